import fc from 'fast-check';
import { z } from 'zod';

/**
 * Requests for every operation of a service's OpenAPI document: values the schemas describe,
 * mixed with what an attacker sends (NUL characters, lone surrogates, forged cursors, impossible
 * dates, deep nesting, huge strings). Used by the API fuzz tier, which asserts no 5xx.
 */

type JsonSchema = Record<string, any>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As documented, with `{id}` placeholders. */
  path: string;
  pathParams: Parameter[];
  query: Parameter[];
  /** The JSON body's schema; undefined when the operation takes no JSON body. */
  body: JsonSchema | undefined;
}

export interface FuzzRequest {
  method: Operation['method'];
  url: string;
  body?: unknown;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** Every operation of the document; the documentation's own routes excluded. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => {
        const parameters = (operation.parameters ?? []).map((parameter) => ({ ...parameter, schema: resolve(document, parameter.schema ?? {}) }));
        const body = operation.requestBody?.content?.['application/json']?.schema;
        return {
          method: method.toUpperCase() as Operation['method'],
          path,
          pathParams: parameters.filter((parameter) => parameter.in === 'path'),
          query: parameters.filter((parameter) => parameter.in === 'query'),
          body: body && resolve(document, body),
        };
      }),
  );
}

function resolve(document: OpenApiDocument, schema: JsonSchema): JsonSchema {
  const ref = schema.$ref as string | undefined;
  if (!ref) return schema;
  const name = ref.replace('#/components/schemas/', '');
  return resolve(document, document.components?.schemas?.[name] ?? {});
}

/** A seed for this run: FUZZ_SEED to replay one, fixed in CI so runs repeat, else a new one. */
export function fuzzSeed(): number {
  if (process.env.FUZZ_SEED) return Number(process.env.FUZZ_SEED);
  return process.env.CI ? 20_261_204 : Math.floor(Math.random() * 2 ** 31);
}

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const SOME_ID = '0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d';

/** JSON nested `depth` deep, as text: JSON.stringify of it would overflow the sender's own stack. */
class DeepJson {
  readonly depth: number;
  constructor(depth: number) {
    this.depth = depth;
  }
  get text(): string {
    return `${'{"method":'.repeat(this.depth)}"x"${'}'.repeat(this.depth)}`;
  }
}

/** The request body as JSON text, deep values included. */
export function payloadOf(body: unknown): string {
  const deep: DeepJson[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => (value instanceof DeepJson ? `\u0000deep${deep.push(value) - 1}` : value));
  return text.replace(/"\\u0000deep(\d+)"/g, (_, index: string) => deep[Number(index)]!.text);
}

/** Percent-encoding that keeps a lone surrogate as the (invalid) UTF-8 bytes of its code point. */
function percentEncode(text: string): string {
  let encoded = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      encoded += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else {
      encoded += encodeURIComponent(char);
    }
  }
  return encoded;
}

/** Strings an attacker tries in any text slot: each once per slot of every operation. */
export const HOSTILE_STRINGS: readonly string[] = [
  '\u0000',
  'eu-west-1\u0000',
  '\ud800',
  'x\udc00y',
  '',
  ' ',
  'x'.repeat(100_000),
  "'; drop table cost_data; --",
  '0000-01-01',
  '2026-13-01',
  '9999-12-31',
  '-1',
  '1e999',
  'NaN',
  'tag:\u0000',
  'tag:',
  '__proto__',
  cursor(['2026-13-01 00:00:00+00', SOME_ID]),
  cursor(['0000-01-01 00:00:00+00', SOME_ID]),
  cursor(['0000-01-01', '1', 'USD', []]),
  cursor(['2026-01-01', '1', 'USD', ['\u0000']]),
];

/** Values an attacker tries in a JSON body's fields. */
export const HOSTILE_VALUES: readonly unknown[] = [
  ...HOSTILE_STRINGS,
  null,
  -1,
  0,
  1e308,
  2 ** 53 + 1,
  true,
  [],
  Array.from({ length: 10_000 }, () => 'x'),
  {},
  { '\u0000': '\ud800' },
  new DeepJson(5_000),
];

function anyJson(): fc.Arbitrary<unknown> {
  return fc.jsonValue({ maxDepth: 3 });
}

const FORMATS: Record<string, () => fc.Arbitrary<string>> = {
  uuid: () => fc.uuid(),
  date: () => fc.date({ min: new Date('1960-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10)),
  'date-time': () => fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  // What the APIs take is zod's email (z.email()), stricter than RFC 5322: fc.emailAddress() draws
  // addresses it refuses 97% of the time, so a body with one would almost never pass validation.
  email: () => fc.stringMatching(z.regexes.email),
  uri: () => fc.webUrl(),
};

/** Values a schema describes (and, as a JSON Schema cannot say everything, some it refuses). */
export function arbitraryOf(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => arbitraryOf(alternative, depth + 1)));
  if (Array.isArray(schema.allOf)) return arbitraryOf(Object.assign({}, ...schema.allOf), depth + 1);
  const types = [schema.type].flat().filter(Boolean) as string[];
  if (types.length > 1) return fc.oneof(...types.map((type) => arbitraryOf({ ...schema, type }, depth + 1)));
  switch (types[0]) {
    case 'string':
      if (schema.format && FORMATS[schema.format]) return FORMATS[schema.format]!();
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e12, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryOf(schema.items ?? {}, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const record = fc.record(
        Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, arbitraryOf(value, depth + 1)])),
        { requiredKeys: (schema.required ?? []).filter((key: string) => key in properties) },
      );
      if (!schema.additionalProperties || Object.keys(properties).length > 0) return record;
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), arbitraryOf(schema.additionalProperties === true ? {} : schema.additionalProperties, depth + 1), { maxKeys: 4 });
    }
    default:
      return anyJson();
  }
}

/** A slot's value: mostly what its schema describes, sometimes hostile. */
function slot(schema: JsonSchema, hostile: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: arbitraryOf(schema), weight: 4 }, { arbitrary: fc.constantFrom(...hostile), weight: 1 });
}

function queryString(values: Record<string, unknown>): string {
  const pairs = Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .flatMap(([name, value]) => [value].flat().map((item) => `${percentEncode(name)}=${percentEncode(typeof item === 'string' ? item : JSON.stringify(item))}`));
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

function urlOf(operation: Operation, pathValues: Record<string, unknown>, query: Record<string, unknown>): string {
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => percentEncode(String(pathValues[name] ?? SOME_ID)));
  return path + queryString(query);
}

/** Values a schema describes, the same for the same seed. */
export function samplesOf(schema: JsonSchema, count: number, seed: number): unknown[] {
  return fc.sample(arbitraryOf(schema), { numRuns: count, seed });
}

/** Random requests to one operation: every slot drawn from its schema or the hostile values. */
export function requestArbitrary(operation: Operation): fc.Arbitrary<FuzzRequest> {
  const named = (parameters: Parameter[]) =>
    fc.record(Object.fromEntries(parameters.map((parameter) => [parameter.name, slot(parameter.schema ?? {}, HOSTILE_STRINGS)])), {
      requiredKeys: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
    });
  const body = operation.body ? fc.oneof({ arbitrary: arbitraryOf(operation.body), weight: 4 }, { arbitrary: bodyWithHostileField(operation.body), weight: 2 }, { arbitrary: anyJson(), weight: 1 }) : fc.constant(undefined);
  return fc.tuple(named(operation.pathParams), named(operation.query), body).map(([path, query, payload]) => ({
    method: operation.method,
    url: urlOf(operation, path, query),
    ...(payload !== undefined ? { body: payload } : {}),
  }));
}

function bodyWithHostileField(schema: JsonSchema): fc.Arbitrary<unknown> {
  const fields = Object.keys(schema.properties ?? {});
  if (fields.length === 0) return arbitraryOf(schema);
  return fc
    .tuple(arbitraryOf(schema), fc.constantFrom(...fields), fc.constantFrom(...HOSTILE_VALUES))
    .map(([body, field, value]) => (body && typeof body === 'object' ? { ...body, [field]: value } : body));
}

/**
 * One request per hostile value in each slot of the operation (each path and query parameter,
 * each top-level body field), the other slots holding a value of their schema: every class of
 * hostile input reaches every slot of every route, whatever the random draw.
 */
export function hostileRequests(operation: Operation, seed: number): FuzzRequest[] {
  const sample = <T>(arbitrary: fc.Arbitrary<T>) => fc.sample(arbitrary, { numRuns: 1, seed })[0]!;
  const base = {
    path: Object.fromEntries(operation.pathParams.map((parameter) => [parameter.name, sample(arbitraryOf(parameter.schema ?? {}))])),
    query: {} as Record<string, unknown>,
    body: operation.body ? sample(arbitraryOf(operation.body)) : undefined,
  };
  const requests: FuzzRequest[] = [];
  const add = (path: Record<string, unknown>, query: Record<string, unknown>, body: unknown) =>
    requests.push({ method: operation.method, url: urlOf(operation, path, query), ...(body !== undefined ? { body } : {}) });
  for (const value of HOSTILE_STRINGS) {
    for (const parameter of operation.pathParams) add({ ...base.path, [parameter.name]: value }, base.query, base.body);
    for (const parameter of operation.query) add(base.path, { [parameter.name]: value }, base.body);
  }
  const fields = Object.keys(operation.body?.properties ?? {});
  for (const value of HOSTILE_VALUES) {
    for (const field of fields) add(base.path, base.query, { ...(base.body as object), [field]: value });
    if (operation.body) add(base.path, base.query, value);
  }
  return requests;
}

/** A request to the operation whose other parts are valid by the schema, plus one key nobody declared. */
export function withUnknownKey(operation: Operation, part: 'querystring' | 'body', key: string, seed: number): FuzzRequest {
  const sample = <T>(arbitrary: fc.Arbitrary<T>) => fc.sample(arbitrary, { numRuns: 1, seed })[0]!;
  const path = Object.fromEntries(operation.pathParams.map((parameter) => [parameter.name, sample(arbitraryOf(parameter.schema ?? {}))]));
  const body = operation.body ? sample(arbitraryOf(operation.body)) : undefined;
  if (part === 'querystring') return { method: operation.method, url: urlOf(operation, path, { [key]: '1' }), ...(body !== undefined ? { body } : {}) };
  return { method: operation.method, url: urlOf(operation, path, {}), body: { ...(body && typeof body === 'object' ? body : {}), [key]: '1' } };
}

/**
 * Sends `runs` random requests to the operation (see requestArbitrary); `check` throws on an
 * answer it refuses, and fast-check shrinks the failing request and reports it with the seed.
 */
export async function fuzzOperation(
  operation: Operation,
  check: (request: FuzzRequest) => Promise<void>,
  { seed, runs }: { seed: number; runs: number },
): Promise<void> {
  await fc.assert(fc.asyncProperty(requestArbitrary(operation), check), { seed, numRuns: runs, endOnFailure: true });
}
