import { describe, expect, it } from 'vitest';
import type { OperationRequest } from '../adapter.ts';
import { snapshotName } from './params.ts';

function snapshot(params: Record<string, unknown>, client_token?: string): OperationRequest {
  return { operation: 'snapshot', resource_type: 'disk', provider_resource_id: 'x', region: null, params, ...(client_token ? { client_token } : {}) };
}

describe('snapshotName', () => {
  const token = '0193A7C0-5555-7000-8000-000000000005';

  it('keeps the name asked for', () => {
    expect(snapshotName(snapshot({ name: 'Before-Cleanup' }, token), 'web-01-data', 63)).toBe('Before-Cleanup');
  });

  it('makes the same name from the same client token, whatever the time', () => {
    const name = snapshotName(snapshot({}, token), 'Web_01--Data', 63);
    expect(name).toBe('web-01-data-stratus-0193a7c0555570008000');
    expect(snapshotName(snapshot({}, token), 'Web_01--Data', 63)).toBe(name);
  });

  it('fits the provider limit by shortening the base, and starts with a letter', () => {
    const name = snapshotName(snapshot({}, token), `9-${'a'.repeat(100)}-`, 63);
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^a+-stratus-0193a7c0555570008000$/);
    expect(snapshotName(snapshot({}, token), '123', 63)).toBe('stratus-0193a7c0555570008000');
  });

  it('falls back to a timestamp without a token', () => {
    expect(snapshotName(snapshot({}), 'disk', 63)).toMatch(/^disk-stratus-\d{14}$/);
  });
});
