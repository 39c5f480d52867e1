import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { samples } from '../../test/samples.ts';
import { buildEvent } from '../envelope.ts';
import { catalogue, eventTypes } from './catalogue.ts';
import { versionsOf } from './event-definition.ts';

describe('catalogue', () => {
  it('keys every entry by its type, which is also its topic', () => {
    for (const [key, definition] of Object.entries(catalogue)) {
      expect(definition.type).toBe(key);
      expect(definition.topic).toBe(key);
      expect(key).toMatch(/^[a-z_]+\.[a-z_]+$/);
    }
  });

  it('numbers the versions of every type 1, 2, ... up to the one published', () => {
    for (const definition of Object.values(catalogue)) {
      expect(versionsOf(definition).map((entry) => entry.version)).toEqual(Array.from({ length: definition.version }, (_, index) => index + 1));
    }
  });

  it('accepts a realistic payload of every type and keys it by the documented subject', () => {
    const all = samples();
    for (const type of eventTypes) {
      const { envelope } = buildEvent(type, { tenant: randomUUID(), data: all[type] });
      expect(catalogue[type].key(envelope)).toBe(envelope.subject);
      expect(JSON.stringify(envelope.data)).toContain(envelope.subject);
    }
  });

  it('keeps money as decimal strings, never numbers', () => {
    const data = samples()['cost.aggregated'];
    expect(() => buildEvent('cost.aggregated', { tenant: randomUUID(), data: { ...data, total: 41.2 as unknown as string } })).toThrow(/total/);
    expect(() => buildEvent('cost.aggregated', { tenant: randomUUID(), data: { ...data, total: '4e1' } })).toThrow(/decimal/);
  });

  it('gives every type a data schema that converts to JSON Schema', () => {
    for (const type of eventTypes) {
      expect(z.toJSONSchema(catalogue[type].schema, { target: 'draft-07' })).toMatchObject({ type: 'object' });
    }
  });
});
