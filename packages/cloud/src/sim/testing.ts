/** Helpers of the sim's tests. */
import { randomUUID } from 'node:crypto';
import type { CloudAccountRef, CloudProvider } from '../adapter.ts';
import type { SimSettings } from './settings.ts';

export const ACCOUNT_IDS: Readonly<Record<CloudProvider, string>> = {
  AWS: '123456789012',
  AZURE: '6f1c2a9e-0d1b-4c33-9a55-2b7e8f4d1c20',
  GCP: 'acme-prod-4471',
};

/** A fresh account (its own operations overlay), operations instant and infallible unless asked. */
export function simAccount(provider: CloudProvider, sim: SimSettings = {}, id: string = randomUUID()): CloudAccountRef {
  return {
    id,
    provider,
    account_id: ACCOUNT_IDS[provider],
    settings: { sim: { seed: 'test', operation_latency_ms: 0, failure_rate: 0, ...sim } },
  };
}

/** A fixed clock: the utilisation window is then the 30 days before 2026-06-15. */
export const NOW = new Date('2026-06-15T12:00:00.000Z');
export const clock = () => NOW;

export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}
