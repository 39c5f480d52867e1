import { setTimeout as sleep } from 'node:timers/promises';
import type { CostImportOutcome } from '@stratus/db';
import type { ApiClient } from '../api-client.ts';

export interface StoredImport {
  id: string;
  status: CostImportOutcome;
  error: string | null;
  settled_at: string | null;
}

export interface WaitOptions {
  timeoutMs: number;
  /** First delay between reads, doubled up to 5 s: a small file is applied in well under a second. */
  intervalMs?: number;
  /** Told the status while it is still `applying`, e.g. for a progress line. */
  onWaiting?: (elapsedMs: number) => void;
}

/**
 * Reads the import until the cost store has answered (applied or refused) or the time is up; the
 * import as last read either way, so a caller can tell the user where it stands.
 */
export async function waitForOutcome(api: Pick<ApiClient, 'request'>, id: string, options: WaitOptions): Promise<StoredImport> {
  const started = Date.now();
  let interval = options.intervalMs ?? 250;
  for (;;) {
    const current = await api.request<StoredImport>('GET', `/v1/cost-imports/${id}`);
    const elapsed = Date.now() - started;
    if (current.status !== 'applying' && current.status !== 'running') return current;
    if (elapsed >= options.timeoutMs) return current;
    options.onWaiting?.(elapsed);
    await sleep(Math.min(interval, Math.max(0, options.timeoutMs - elapsed)));
    interval = Math.min(interval * 2, 5_000);
  }
}
