import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LIMITS, day, jsonValue, text } from './fields.ts';
import { hardenRequestSchema } from './request-schema.ts';

function messages(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = { a: value };
  return value;
}

describe('hardenRequestSchema', () => {
  it('refuses keys an object does not declare, at every level and through refinements, unions and defaults', () => {
    const schema = hardenRequestSchema(
      z.object({
        account: z.uuid().optional(),
        settings: z.object({ regions: z.array(z.string()).optional() }).refine(() => true).optional(),
        channel: z.discriminatedUnion('type', [z.object({ type: z.literal('email'), to: z.string() })]).default({ type: 'email', to: 'x' }),
      }),
    );
    expect(messages(schema, { account_id: 'x' })).toEqual([': Unrecognized key: "account_id"']);
    expect(messages(schema, { settings: { regionz: [] } })).toEqual(['settings: Unrecognized key: "regionz"']);
    expect(messages(schema, { channel: { type: 'email', to: 'a', cc: 'b' } })).toEqual(['channel: Unrecognized key: "cc"']);
    expect(schema.parse({})).toEqual({ channel: { type: 'email', to: 'x' } });
  });

  it('keeps a declared catchall: a loose object takes other keys, checked as JSON', () => {
    const schema = hardenRequestSchema(z.looseObject({ seed: z.number().optional() }));
    expect(schema.parse({ seed: 1, resources: 5 })).toEqual({ seed: 1, resources: 5 });
    expect(messages(schema, { other: 'a\u0000b' })).toEqual(['other: must not contain a NUL character (\\u0000)']);
  });

  it('bounds strings and arrays that declare no maximum, and keeps the maximum they declare', () => {
    const schema = hardenRequestSchema(z.object({ name: z.string(), short: z.string().max(3), list: z.array(z.int()) }));
    expect(messages(schema, { name: 'x'.repeat(LIMITS.text + 1), short: 'abcd', list: Array(LIMITS.items + 1).fill(1) })).toEqual([
      `name: Too big: expected string to have <=${LIMITS.text} characters`,
      'short: Too big: expected string to have <=3 characters',
      `list: Too big: expected array to have <=${LIMITS.items} items`,
    ]);
    expect(z.toJSONSchema(hardenRequestSchema(z.object({ name: z.string().describe('as billed') })), { io: 'input' })).toMatchObject({
      properties: { name: { description: 'as billed', maxLength: LIMITS.text } },
    });
    expect(z.toJSONSchema(schema, { io: 'input' })).toMatchObject({
      additionalProperties: false,
      properties: { name: { maxLength: LIMITS.text }, short: { maxLength: 3 }, list: { maxItems: LIMITS.items } },
    });
  });

  it('refuses a NUL and a lone surrogate in any string, record key included, and keeps transforms', () => {
    const schema = hardenRequestSchema(
      z.object({ region: z.string().min(1).optional(), upper: z.string().transform((value) => value.toUpperCase()).optional(), tags: z.record(z.string(), z.string()).optional() }),
    );
    expect(messages(schema, { region: 'eu\u0000' })).toEqual(['region: must not contain a NUL character (\\u0000)']);
    expect(messages(schema, { upper: '\ud800x' })).toEqual(['upper: must be well-formed Unicode: it holds a lone UTF-16 surrogate']);
    expect(messages(schema, { tags: { 'k\u0000': 'v' } })).toHaveLength(1);
    expect(schema.parse({ upper: 'ok 😀' })).toEqual({ upper: 'OK 😀' });
  });

  it('refuses dates PostgreSQL does not take, however the date was declared', () => {
    const schema = hardenRequestSchema(z.object({ from: z.iso.date() }));
    expect(messages(schema, { from: '0000-01-01' })).toEqual(['from: must be a day from 1970-01-01 to 9999-12-31']);
    expect(schema.parse({ from: '2026-02-28' })).toEqual({ from: '2026-02-28' });
  });

  it('checks free-form values as JSON: depth, text and size, without recursion', () => {
    const schema = hardenRequestSchema(z.object({ credentials: z.record(z.string(), z.unknown()) }));
    // The record's own key is the first level: the JSON value under it nests jsonDepth more.
    expect(messages(schema, { credentials: nested(5_000) as Record<string, unknown> })).toEqual([
      `credentials.${Array(LIMITS.jsonDepth + 1).fill('a').join('.')}: nests deeper than ${LIMITS.jsonDepth} levels`,
    ]);
    expect(messages(schema, { credentials: { key: ['ok', '\udc00'] } })).toEqual([
      'credentials.key.1: must be well-formed Unicode: it holds a lone UTF-16 surrogate',
    ]);
    expect(messages(schema, { credentials: { many: Array(LIMITS.jsonNodes).fill(0) } })).toEqual([
      `credentials.many: holds more than ${LIMITS.jsonNodes} values`,
    ]);
    expect(schema.parse({ credentials: nested(10) })).toEqual({ credentials: nested(10) });
  });
});

describe('field schemas', () => {
  it('text, day and jsonValue hold the same rules when used directly', () => {
    expect(messages(text({ max: 5 }), 'a\u0000')).toEqual([': must not contain a NUL character (\\u0000)']);
    expect(messages(text({ max: 5 }), 'abcdef')).toHaveLength(1);
    expect(messages(day, '2026-13-01')).toEqual([': must be a date, YYYY-MM-DD']);
    expect(messages(day, '1969-12-31')).toEqual([': must be a day from 1970-01-01 to 9999-12-31']);
    expect(messages(jsonValue, { a: 'x'.repeat(LIMITS.jsonText + 1) })).toEqual([`a: is longer than ${LIMITS.jsonText} characters`]);
  });
});
