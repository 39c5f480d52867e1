/**
 * What operations did to the simulated cloud. The fleet itself is regenerated from the seed on
 * every call; operations leave timestamped changes here, so later discoveries see them and cost
 * lines of later days reflect them while earlier days stay as they were.
 *
 * The overlay lives in this process's memory, keyed by cloud account id: every adapter of the
 * account in this process shares it. Without a SimStore, another process, or this one after a
 * restart, sees the pristine fleet; with one (useSimStore; the services use PostgreSQL's
 * sim_cloud schema), the overlay is a cache of the store's journal, which every process reads
 * before it discovers, prices or operates, so an operation one service executes shows in every
 * other's discovery and survives any process. Attempt counts stay per process.
 */
import type { OperationResult } from '../adapter.ts';
import type { SimSpec } from './fleet.ts';
import type { SimEntry } from './journal.ts';

/** What an operation may change about a resource; everything else about it is fixed by the seed. */
export type SimPatch = Partial<Pick<SimSpec, 'active' | 'size' | 'size_gb' | 'tags'>>;

export interface SimChange {
  at: number;
  /** null: the resource was deleted. */
  patch: SimPatch | null;
}

export interface SimOverlay {
  /** By provider_resource_id, in time order. */
  readonly changes: Map<string, SimChange[]>;
  /** Resources operations created (snapshots), by provider_resource_id, in creation order. */
  readonly created: Map<string, SimSpec>;
  /** Attempts so far by resource and operation, which make failures reproducible per attempt. */
  readonly attempts: Map<string, number>;
  /** Results of the operations applied with a client token, by token: a token is applied once (without a store). */
  readonly applied: Map<string, OperationResult>;
  /** The last journal entry of the store applied here. */
  seq: number;
}

/** Where the simulated cloud keeps what operations did, for every process (see journal.ts). */
export interface SimStore {
  /** The account's journal entries after seq, in order. */
  entriesAfter(cloudAccountId: string, seq: number): Promise<{ seq: number; entry: SimEntry }[]>;
  /** The result a client token was applied with. */
  applied(clientToken: string): Promise<OperationResult | undefined>;
  /** Appends the entries with the token in one transaction; false, appending nothing, if the token was applied already. */
  append(cloudAccountId: string, entries: readonly SimEntry[], applied: { client_token: string; result: OperationResult } | undefined): Promise<boolean>;
}

let store: SimStore | undefined;

/** Makes every simulated account of this process keep its state in `next` (undefined: in memory only). */
export function useSimStore(next: SimStore | undefined): void {
  store = next;
  // What the overlays hold came from the previous store, or from none.
  overlays.clear();
}

export function simStore(): SimStore | undefined {
  return store;
}

const overlays = new Map<string, SimOverlay>();

export function overlayOf(cloudAccountId: string): SimOverlay {
  let overlay = overlays.get(cloudAccountId);
  if (!overlay) {
    overlay = { changes: new Map(), created: new Map(), attempts: new Map(), applied: new Map(), seq: 0 };
    overlays.set(cloudAccountId, overlay);
  }
  return overlay;
}

export const NO_CHANGES: readonly SimChange[] = [];

export function recordChange(overlay: SimOverlay, id: string, change: SimChange): void {
  const list = overlay.changes.get(id);
  if (list) list.push(change);
  else overlay.changes.set(id, [change]);
}

/** The resource as it was at time t, or null once deleted. */
export function specAt(spec: SimSpec, changes: readonly SimChange[], t: number): SimSpec | null {
  let current = spec;
  for (const change of changes) {
    if (change.at > t) break;
    if (change.patch === null) return null;
    current = { ...current, ...change.patch };
  }
  return current;
}

export function deletedAt(overlay: SimOverlay, id: string, t: number): number | undefined {
  return overlay.changes.get(id)?.find((change) => change.patch === null && change.at <= t)?.at;
}

/** A stretch of time in which the resource existed unchanged. */
export interface Segment {
  spec: SimSpec;
  ms: number;
}

/** The stretches of [from, to) in which the resource existed, split where it changed. */
export function segments(spec: SimSpec, changes: readonly SimChange[], from: number, to: number): Segment[] {
  let t = Math.max(from, spec.created_ms);
  if (t >= to) return [];
  const result: Segment[] = [];
  let current = specAt(spec, changes, t);
  for (const change of changes) {
    if (change.at <= t) continue;
    if (change.at >= to || current === null) break;
    result.push({ spec: current, ms: change.at - t });
    t = change.at;
    current = specAt(spec, changes, t);
  }
  if (current) result.push({ spec: current, ms: to - t });
  return result;
}
