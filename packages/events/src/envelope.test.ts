import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RECOMMENDATION_PRIORITIES } from '@stratus/db';
import { samples } from '../test/samples.ts';
import { buildEvent, EventValidationError, MAX_EVENT_BYTES, parseEvent, uuidv7Timestamp } from './envelope.ts';

const tenant = randomUUID();

describe('buildEvent', () => {
  it('gives UUIDv7 ids whose order is creation order, and a time taken from the id', () => {
    const data = samples()['cost.aggregated'];
    const events = Array.from({ length: 2000 }, () => buildEvent('cost.aggregated', { tenant, data }).envelope);
    for (const event of events) {
      expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Date.parse(event.time)).toBe(uuidv7Timestamp(event.id));
    }
    const ids = events.map((event) => event.id);
    // 2000 ids span a few milliseconds at most: the ordering must hold within one millisecond too.
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const times = events.map((event) => Date.parse(event.time));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('fills the envelope from the catalogue: version, subject derived from the data', () => {
    const data = samples()['resource.discovered'];
    const { envelope, value } = buildEvent('resource.discovered', { tenant, data });
    expect(envelope).toMatchObject({ type: 'resource.discovered', version: 1, tenant, subject: data.resource.id, data });
    expect(JSON.parse(value)).toEqual(envelope);
  });

  it('rejects data that does not match the catalogue, naming the type and each issue', () => {
    const data = samples()['cost.ingested'];
    const bad = { ...data, rows: [{ ...data.rows[0]!, billed_cost: 1.5 as unknown as string, currency: 'usd' }] };
    let error: unknown;
    try {
      buildEvent('cost.ingested', { tenant, data: bad });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as Error).message).toContain('invalid data for event cost.ingested');
    expect((error as Error).message).toContain('rows[0].billed_cost');
    expect((error as Error).message).toContain('rows[0].currency');
  });

  it('holds an import summary to the final batch', () => {
    const sample = samples()['cost.ingested'];
    const { summary: _, ...middle } = sample;
    expect(() => buildEvent('cost.ingested', { tenant, data: { ...sample, batch: { index: 2, final: true } } })).toThrow(
      /summary.batches must be the final batch index \+ 1/,
    );
    expect(() => buildEvent('cost.ingested', { tenant, data: { ...sample, batch: { index: 0, final: false } } })).toThrow(
      /summary is given on the final batch, and only there/,
    );
    expect(() => buildEvent('cost.ingested', { tenant, data: { ...middle, batch: { index: 0, final: true } } })).toThrow(
      /summary is given on the final batch, and only there/,
    );
    expect(() => buildEvent('cost.ingested', { tenant, data: { ...middle, batch: { index: 0, final: false }, rows: [] } })).toThrow(
      /only the final batch may be empty/,
    );
    expect(buildEvent('cost.ingested', { tenant, data: { ...middle, batch: { index: 0, final: false } } }).envelope.data.rows).toHaveLength(1);
  });

  it('rejects a subject other than the one the catalogue derives', () => {
    const data = samples()['action.requested'];
    expect(() => buildEvent('action.requested', { tenant, subject: data.action_id, data })).toThrow(
      /subject of event action.requested must be its resource_id/,
    );
    expect(buildEvent('action.requested', { tenant, subject: data.resource_id, data }).envelope.subject).toBe(
      data.resource_id,
    );
  });

  it('rejects a tenant that is not an organisation id, and a malformed traceparent', () => {
    const data = samples()['cost.aggregated'];
    expect(() => buildEvent('cost.aggregated', { tenant: 'acme', data })).toThrow(/invalid envelope for event cost.aggregated[\s\S]*tenant/);
    expect(() => buildEvent('cost.aggregated', { tenant, data, traceparent: 'not-a-trace' })).toThrow(/traceparent/);
  });

  it('refuses an event too big for Kafka rather than letting it block the outbox', () => {
    const data = samples()['cost.ingested'];
    const row = data.rows[0]!;
    // Within the 1,000-row bound, but tags make each row big.
    const big = { ...row, tags: { ...row.tags, note: 'x'.repeat(Math.ceil(MAX_EVENT_BYTES / 1_000)) } };
    const rows = Array.from({ length: 1_000 }, () => big);
    expect(() => buildEvent('cost.ingested', { tenant, data: { ...data, rows } })).toThrow(/over the \d+-byte limit/);
  });

  it('keeps an explicit traceparent in the envelope and the headers', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const built = buildEvent('cost.aggregated', { tenant, data: samples()['cost.aggregated'], traceparent, tracestate: 'vendor=1' });
    expect(built.envelope.traceparent).toBe(traceparent);
    expect(built.headers).toEqual({ traceparent, tracestate: 'vendor=1' });
  });
});

describe('parseEvent', () => {
  it('accepts what buildEvent builds', () => {
    const { envelope, value } = buildEvent('action.failed', { tenant, data: samples()['action.failed'] });
    expect(parseEvent(Buffer.from(value))).toEqual({ ok: true, envelope });
  });

  it('calls a value that is not JSON, or not an envelope, an invalid envelope', () => {
    expect(parseEvent(Buffer.from('{oops'))).toMatchObject({ ok: false, reason: 'invalid_envelope', message: expect.stringContaining('not JSON') });
    expect(parseEvent(null)).toMatchObject({ ok: false, reason: 'invalid_envelope' });
    expect(parseEvent('{"id":"x"}')).toMatchObject({ ok: false, reason: 'invalid_envelope', message: expect.stringContaining('tenant') });
  });

  it('calls an unknown type an invalid envelope, and a version it does not read an unknown version', () => {
    const { envelope } = buildEvent('action.failed', { tenant, data: samples()['action.failed'] });
    expect(parseEvent(JSON.stringify({ ...envelope, type: 'action.exploded' }))).toMatchObject({
      ok: false,
      reason: 'invalid_envelope',
      message: 'unknown event type "action.exploded"',
    });
    expect(parseEvent(JSON.stringify({ ...envelope, version: 2 }))).toEqual({
      ok: false,
      reason: 'unknown_version',
      message: 'event action.failed version 2 is newer than this consumer (this consumer reads versions 1): upgrade it, then replay the dead letter',
    });
  });

  it('upcasts recommendation.created v1 (priority a level) to v2 (the integer), validating both shapes', () => {
    const v2 = buildEvent('recommendation.created', { tenant, data: { ...samples()['recommendation.created'], priority: 2 } }).envelope;
    expect(v2.version).toBe(2);
    const v1 = { ...v2, version: 1, data: { ...v2.data, priority: 'medium' } };
    expect(parseEvent(JSON.stringify(v1))).toEqual({ ok: true, envelope: v2 });
    for (const [level, priority] of Object.entries(RECOMMENDATION_PRIORITIES)) {
      const parsed = parseEvent(JSON.stringify({ ...v1, data: { ...v1.data, priority: level } }));
      expect(parsed).toMatchObject({ ok: true, envelope: { version: 2, data: { priority } } });
    }
    expect(parseEvent(JSON.stringify({ ...v1, data: { ...v1.data, priority: 'urgent' } }))).toMatchObject({
      ok: false,
      reason: 'invalid_data',
      message: expect.stringMatching(/^invalid data for event recommendation.created v1:[\s\S]*priority/),
    });
    // A v2 event carrying v1's level, and a v1 event carrying v2's integer, are both invalid.
    expect(parseEvent(JSON.stringify({ ...v2, data: { ...v2.data, priority: 'high' } }))).toMatchObject({ ok: false, reason: 'invalid_data' });
    expect(parseEvent(JSON.stringify({ ...v1, data: { ...v1.data, priority: 3 } }))).toMatchObject({ ok: false, reason: 'invalid_data' });
    expect(parseEvent(JSON.stringify({ ...v2, version: 3 }))).toMatchObject({
      ok: false,
      reason: 'unknown_version',
      message: expect.stringContaining('version 3 is newer than this consumer (this consumer reads versions 1, 2)'),
    });
    expect(parseEvent(JSON.stringify({ ...v2, version: 0 }))).toMatchObject({ ok: false, reason: 'invalid_envelope' });
  });

  it('publishes only the newest version: v1 data cannot be produced, nor a priority off the scale', () => {
    const data = samples()['recommendation.created'];
    expect(() => buildEvent('recommendation.created', { tenant, data: { ...data, priority: 'high' as unknown as 3 } })).toThrow(/priority/);
    expect(() => buildEvent('recommendation.created', { tenant, data: { ...data, priority: 4 as unknown as 3 } })).toThrow(/priority/);
    expect(buildEvent('recommendation.created', { tenant, data }).envelope).toMatchObject({ version: 2, data: { priority: 3 } });
  });

  it('calls a valid envelope with bad data invalid data', () => {
    const { envelope } = buildEvent('action.failed', { tenant, data: samples()['action.failed'] });
    const parsed = parseEvent(JSON.stringify({ ...envelope, data: { ...envelope.data, error: 'boom' } }));
    expect(parsed).toMatchObject({ ok: false, reason: 'invalid_data', message: expect.stringContaining('error') });
  });

  it('ignores fields a newer producer added, so old consumers keep working', () => {
    const { envelope } = buildEvent('action.failed', { tenant, data: samples()['action.failed'] });
    const parsed = parseEvent(JSON.stringify({ ...envelope, data: { ...envelope.data, region: 'eu-west-1' } }));
    expect(parsed).toEqual({ ok: true, envelope });
  });
});
