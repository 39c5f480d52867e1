import type { FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import { AppError } from './app-error.ts';
import { invalidRequestMessage, unknownKeyMessage } from './error-handler.ts';
import { LIMITS, dayInRange, wellFormedJson, wellFormedText } from './fields.ts';

// zod keeps a schema's parts in its def; the rewrite reads them without a type per kind.
type AnyDef = Record<string, any> & { type: string; checks?: unknown[] };

const BOUNDED = new Set(['max_length', 'length_equals']);

function defOf(schema: z.ZodType): AnyDef {
  return schema._zod.def as unknown as AnyDef;
}

function withChecks(schema: z.ZodType, def: AnyDef, added: unknown[]): z.ZodType {
  return added.length === 0 ? schema : schema.clone({ ...def, checks: [...(def.checks ?? []), ...added] } as never);
}

function isBounded(def: AnyDef): boolean {
  return (def.checks ?? []).some((check: any) => BOUNDED.has(check._zod.def.check));
}

function hardenString(schema: z.ZodType, def: AnyDef): z.ZodType {
  const checks = def.checks ?? [];
  const added: unknown[] = [];
  if (!isBounded(def)) added.push(z.maxLength(LIMITS.text));
  if (!checks.includes(wellFormedText)) added.push(wellFormedText);
  if (def.format === 'date' && !checks.includes(dayInRange)) added.push(dayInRange);
  return withChecks(schema, def, added);
}

function clone(schema: z.ZodType, def: AnyDef, parts: Record<string, unknown>): z.ZodType {
  return schema.clone({ ...def, ...parts } as never);
}

/** Wrappers whose one inner schema is in `innerType`. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional', 'success']);

function harden(schema: z.ZodType, seen: Map<z.ZodType, z.ZodType>): z.ZodType {
  const known = seen.get(schema);
  if (known) return known;
  const def = defOf(schema);
  const inner = (part: z.ZodType) => harden(part, seen);
  let hardened: z.ZodType;
  switch (def.type) {
    case 'string':
      hardened = hardenString(schema, def);
      break;
    case 'unknown':
    case 'any':
      hardened = (def.checks ?? []).includes(wellFormedJson) ? schema : withChecks(schema, def, [wellFormedJson]);
      break;
    case 'object': {
      const shape = Object.fromEntries(Object.entries(def.shape as Record<string, z.ZodType>).map(([key, value]) => [key, inner(value)]));
      // An object that declares no catchall takes no other keys; a declared one (looseObject) stays.
      const catchall = def.catchall === undefined ? z.never() : inner(def.catchall);
      hardened = clone(schema, def, { shape, catchall });
      break;
    }
    case 'array': {
      const array = clone(schema, def, { element: inner(def.element) });
      hardened = isBounded(def) ? array : withChecks(array, defOf(array), [z.maxLength(LIMITS.items)]);
      break;
    }
    case 'record':
      hardened = clone(schema, def, { keyType: inner(def.keyType), valueType: inner(def.valueType) });
      break;
    case 'union':
      hardened = clone(schema, def, { options: def.options.map(inner) });
      break;
    case 'intersection':
      hardened = clone(schema, def, { left: inner(def.left), right: inner(def.right) });
      break;
    case 'tuple':
      hardened = clone(schema, def, { items: def.items.map(inner), rest: def.rest ? inner(def.rest) : def.rest });
      break;
    case 'pipe':
      hardened = clone(schema, def, { in: inner(def.in), out: inner(def.out) });
      break;
    default:
      hardened = WRAPPERS.has(def.type) ? clone(schema, def, { innerType: inner(def.innerType) }) : schema;
  }
  // Descriptions live in zod's registry, keyed by the instance: the clone takes the declared one's.
  const meta = z.globalRegistry.get(schema);
  if (meta && hardened !== schema) z.globalRegistry.add(hardened, meta);
  seen.set(schema, hardened);
  return hardened;
}

/**
 * The request schema a route declared, with the rules of all request input applied throughout:
 * objects refuse keys they do not declare (a misspelt filter must not widen a query), strings
 * and arrays without a maximum get the default one, strings are checked for what PostgreSQL
 * refuses, dates for their range, and free-form values (unknown, any) as JSON (see fields.ts).
 * Refinements and transforms are kept: each part is a clone of the declared one.
 */
export function hardenRequestSchema<T extends z.ZodType>(schema: T): T {
  if (HARDENED.has(schema)) return schema;
  const hardened = harden(schema, new Map());
  HARDENED.add(hardened);
  return hardened as T;
}

/** Schemas already hardened: fastify shows a GET route's schema again for its HEAD route. */
const HARDENED = new WeakSet<z.ZodType>();

/** The 400 of unknown request parts, in the form of the error handler's validation errors. */
function unknownFields(part: 'querystring' | 'body', keys: readonly string[]): AppError {
  const issues = keys.map((key) => ({ field: `${part}.${key}`, message: unknownKeyMessage(part) }));
  return new AppError('invalid', invalidRequestMessage(issues), { details: { issues } });
}

/**
 * A route without a body schema reads its body itself (a file upload's stream) or takes none: a
 * JSON body sent to it is refused when it holds anything, as a body schema of no fields would.
 */
async function refuseUndeclaredJson(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (body === null || typeof body !== 'object') return;
  const prototype = Object.getPrototypeOf(body);
  if (prototype !== Object.prototype && prototype !== null && !Array.isArray(body)) return;
  const keys = Object.keys(body);
  if (keys.length > 0) throw unknownFields('body', Array.isArray(body) ? ['0'] : keys);
}

/**
 * Applies the request rules to a route as it is added: its declared params, query and body are
 * hardened; a route that declares no query parameters refuses any, and one that declares no body
 * refuses a JSON body with content. Used by buildServer for every route.
 */
export function hardenRoute(route: RouteOptions): void {
  const schema = (route.schema ??= {}) as Record<string, unknown>;
  schema.querystring = hardenRequestSchema((schema.querystring as z.ZodType | undefined) ?? z.object({}));
  for (const part of ['params', 'body'] as const) {
    const declared = schema[part] as z.ZodType | undefined;
    if (declared) schema[part] = hardenRequestSchema(declared);
  }
  const methods = [route.method].flat();
  if (!schema.body && methods.some((method) => !['GET', 'HEAD', 'OPTIONS'].includes(method))) {
    route.preValidation = [...[route.preValidation ?? []].flat(), refuseUndeclaredJson];
  }
}
