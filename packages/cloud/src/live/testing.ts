/** Helpers for the live adapters' tests (never imported by adapter code). */
import type { DiscoveredResource } from '../adapter.ts';
import type { LiveAdapterOptions } from './options.ts';

/** Retries and polls in milliseconds, so that retry paths run in a test's time. */
export const FAST: LiveAdapterOptions = {
  retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5, maxHintDelayMs: 2_000 },
  pollIntervalMs: 10,
  operationTimeoutMs: 2_000,
};

export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

export function byId(resources: DiscoveredResource[], id: string): DiscoveredResource {
  const found = resources.find((resource) => resource.provider_resource_id === id);
  if (!found) throw new Error(`no resource ${id} among ${resources.map((resource) => resource.provider_resource_id).join(', ')}`);
  return found;
}
