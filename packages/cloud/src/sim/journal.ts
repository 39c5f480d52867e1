/**
 * What operations did to a simulated account, as entries: the same entries change this process's
 * overlay (state.ts) and, when a SimStore is in use, are what every process reads back from it.
 * An entry is plain JSON (a size by its name, a snapshot by its source and index), so it can be
 * stored and replayed into an overlay that regenerates the same resources.
 */
import type { OperationResult } from '../adapter.ts';
import type { SimFleet, SimSpec } from './fleet.ts';
import { hex8, mix, Rng } from './random.ts';
import { recordChange, simStore, type SimPatch } from './state.ts';

export interface StoredPatch {
  active?: boolean;
  /** The size's name in the resource's catalogue. */
  size?: string;
  size_gb?: number;
  tags?: Record<string, string>;
}

export type SimEntry =
  | { kind: 'change'; provider_resource_id: string; at: number; patch: StoredPatch | null }
  /** provider_resource_id is the snapshot's own. */
  | { kind: 'snapshot'; provider_resource_id: string; at: number; source_id: string; name: string | null; index: number };

export function storedPatch(patch: SimPatch): StoredPatch {
  const { size, ...rest } = patch;
  return size === undefined ? rest : { ...rest, size: size.name };
}

function patchOf(fleet: SimFleet, id: string, stored: StoredPatch): SimPatch {
  const { size, ...rest } = stored;
  if (size === undefined) return rest;
  const sku = fleet.find(id)?.variant.sizes.items.find((item) => item.name === size);
  return sku === undefined ? rest : { ...rest, size: sku };
}

/** Applies entries to the process's overlay, in order. */
export function applyEntries(fleet: SimFleet, entries: readonly SimEntry[]): void {
  for (const entry of entries) {
    if (entry.kind === 'change') {
      recordChange(fleet.overlay, entry.provider_resource_id, { at: entry.at, patch: entry.patch === null ? null : patchOf(fleet, entry.provider_resource_id, entry.patch) });
      continue;
    }
    const source = fleet.find(entry.source_id);
    if (!source) continue;
    const current = fleet.current(source, fleet.changesOf(entry.source_id), entry.at) ?? source;
    const snapshot = newSnapshot(fleet, current, entry.name ?? undefined, entry.at, entry.index);
    fleet.overlay.created.set(snapshot.provider_resource_id, snapshot);
  }
}

/**
 * Brings the overlay up to the store's journal (a no-op without a store). Entries are applied
 * once each, by their sequence number, however many calls overlap.
 */
export async function syncOverlay(fleet: SimFleet): Promise<void> {
  const store = simStore();
  if (!store) return;
  const rows = await store.entriesAfter(fleet.account.id, fleet.overlay.seq);
  for (const { seq, entry } of rows) {
    if (seq <= fleet.overlay.seq) continue;
    applyEntries(fleet, [entry]);
    fleet.overlay.seq = seq;
  }
}

/** The result a client token was first applied with, if it was. */
export async function appliedResult(fleet: SimFleet, token: string): Promise<OperationResult | undefined> {
  const store = simStore();
  return store ? store.applied(token) : fleet.overlay.applied.get(token);
}

/**
 * Makes an operation's entries part of the account, with its client token: false when the token
 * was applied meanwhile (by another process), and then nothing is added.
 */
export async function commitEntries(fleet: SimFleet, entries: readonly SimEntry[], applied: { client_token: string; result: OperationResult } | undefined): Promise<boolean> {
  const store = simStore();
  if (!store) {
    applyEntries(fleet, entries);
    if (applied) fleet.overlay.applied.set(applied.client_token, applied.result);
    return true;
  }
  // The overlay takes them at its next sync, which every reader of the account does first.
  return store.append(fleet.account.id, entries, applied);
}

/**
 * A snapshot of a disk, or of a VM's boot disk. Its token comes from a stream of its own, so it
 * never takes a fleet index; a name given replaces the generated one where the provider names
 * snapshots by name (Azure, GCP) and becomes the Name of an AWS snapshot.
 */
export function newSnapshot(fleet: SimFleet, source: SimSpec, name: string | undefined, at: number, index: number = fleet.overlay.created.size): SimSpec {
  const variant = fleet.catalog.variants.snapshot.items[0]!;
  const token32 = mix(fleet.config.seed ^ 0x5bd1e995, index);
  const token = hex8(token32);
  const snapshotName = name ?? `${source.name}-snap-${token}`;
  const rng = new Rng(token32);
  return {
    seed: mix(token32, fleet.config.seed),
    kind: 'snapshot',
    variant,
    name: snapshotName,
    team: source.team,
    env: source.env,
    region: source.region,
    provider_resource_id: variant.id({
      account_id: fleet.account.account_id,
      region: source.region.name,
      zone: null,
      name: snapshotName,
      token,
      hex: rng.hex(16),
      group: `${source.team}-${source.env}`,
    }),
    zone: null,
    created_ms: at,
    active: true,
    size: variant.sizes.items[0]!,
    size_gb: source.kind === 'vm' ? source.storage_gb : source.size_gb,
    tags: { ...source.tags },
    node_count: 1,
    storage_gb: 0,
    attached_to: null,
    last_attached_ms: null,
    discount: 0,
    profile: source.profile,
    details: { source_id: source.provider_resource_id },
  };
}
