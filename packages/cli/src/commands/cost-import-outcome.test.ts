import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../api-client.ts';
import { waitForOutcome, type StoredImport } from './cost-import-outcome.ts';

/** An API whose import reads as the given statuses, one per request, the last repeated. */
function apiAnswering(statuses: StoredImport['status'][]): Pick<ApiClient, 'request'> & { reads: number } {
  const api = {
    reads: 0,
    async request<T>(method: string, path: string): Promise<T> {
      expect([method, path]).toEqual(['GET', '/v1/cost-imports/i-1']);
      const status = statuses[Math.min(api.reads, statuses.length - 1)]!;
      api.reads += 1;
      return { id: 'i-1', status, error: status === 'refused' ? 'beyond the horizon' : null, settled_at: null } as T;
    },
  };
  return api;
}

describe('waitForOutcome', () => {
  it('reads until the cost store has answered', async () => {
    const api = apiAnswering(['applying', 'applying', 'refused']);
    const waited: number[] = [];
    const outcome = await waitForOutcome(api, 'i-1', { timeoutMs: 10_000, intervalMs: 1, onWaiting: (ms) => waited.push(ms) });
    expect(outcome).toMatchObject({ status: 'refused', error: 'beyond the horizon' });
    expect(api.reads).toBe(3);
    expect(waited).toHaveLength(2);
  });

  it('gives up at the deadline with the import as last read', async () => {
    const api = apiAnswering(['applying']);
    const outcome = await waitForOutcome(api, 'i-1', { timeoutMs: 30, intervalMs: 5 });
    expect(outcome.status).toBe('applying');
    expect(api.reads).toBeGreaterThan(1);
  });
});
