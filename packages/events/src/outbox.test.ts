import { describe, expect, it } from 'vitest';
import type { ServiceName } from '@stratus/db';
import { outboxOf } from './outbox.ts';

describe('outboxOf', () => {
  it('binds an outbox to a Stratus service, and refuses a name no relay publishes', () => {
    expect(outboxOf('cost').producer).toBe('cost');
    // @ts-expect-error: a misspelt service does not compile...
    expect(() => outboxOf('cots')).toThrow('"cots" is not a Stratus service: no relay would publish its events');
    // ...nor, forced through, run.
    expect(() => outboxOf('toString' as ServiceName)).toThrow(/not a Stratus service/);
  });
});
