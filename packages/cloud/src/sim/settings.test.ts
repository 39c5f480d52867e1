import { describe, expect, it } from 'vitest';
import { CloudError } from '../adapter.ts';
import { createSimAdapter, SimSettingsError } from './index.ts';
import { collect } from './testing.ts';

const account = (sim: unknown) => ({ id: '3f2b8c1a-9d4e-4f6a-8b7c-1e2d3f4a5b6c', provider: 'AWS' as const, account_id: '123456789012', settings: { sim } });

describe('sim settings', () => {
  it('defaults to a fleet of 250', async () => {
    expect(await collect(createSimAdapter(account(undefined)).discover())).toHaveLength(250);
    expect(await collect(createSimAdapter({ ...account(undefined), settings: {} }).discover())).toHaveLength(250);
  });

  it('takes the seed as a string or a number', async () => {
    const first = (seed: string | number) => collect(createSimAdapter(account({ seed, resources: 3 })).discover());
    expect(await first(42)).toEqual(await first('42'));
    expect(await first(42)).not.toEqual(await first(43));
  });

  it.each([
    [{ resources: -1 }, /resources: Too small/],
    [{ resources: 1.5 }, /resources: Invalid input: expected int/],
    [{ resources: '10' }, /resources: Invalid input: expected number/],
    [{ failure_rate: 2 }, /failure_rate: Too big/],
    [{ operation_latency_ms: -5 }, /operation_latency_ms: Too small/],
    [{ seed: '' }, /seed/],
    [{ regions: [] }, /regions: Too small/],
    [{ regions: ['us-east-1', 'eastus'] }, /regions: eastus is not a AWS region the sim knows \(us-east-1, /],
    [{ resource: 10 }, /Unrecognized key: "resource"/],
    ['big', /sim: Invalid input: expected object/],
  ])('refuses %j with a clear error', (sim, message) => {
    let error: unknown;
    try {
      createSimAdapter(account(sim));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SimSettingsError);
    expect(error).toBeInstanceOf(CloudError);
    expect((error as SimSettingsError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/^invalid settings\.sim of cloud account 3f2b8c1a-9d4e-4f6a-8b7c-1e2d3f4a5b6c: /);
    expect((error as Error).message).toMatch(message);
  });
});
