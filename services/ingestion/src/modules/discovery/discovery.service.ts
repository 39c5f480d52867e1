import { sql, type Kysely, type Transaction } from 'kysely';
import type { ServiceDeps } from '@stratus/runtime';
import { CloudCredentialsError, type CloudAdapter, type DiscoveredResource, type DiscoveryWarning } from '@stratus/cloud';
import { withTenant, type Database } from '@stratus/db';
import type { Outbox, PublishManyItem } from '@stratus/events';
import { refreshExpressionGroups } from '../resource-groups/resource-groups.repository.ts';
import {
  findSyncableAccount,
  removeUnseenResources,
  upsertResources,
  type InventoryAccount,
  type RemovedResource,
  type ResourceChange,
} from './inventory.repository.ts';
import { detectDrift } from '../terraform/terraform.service.ts';

/** Resources written per transaction: large enough to amortise round trips, small enough to keep locks short. */
export const SYNC_BATCH_SIZE = 2_000;
/**
 * Batches written at once. While PostgreSQL writes one, the next is already on its way on another
 * connection, so both of its cores work; the adapter's pages keep their order within each batch.
 */
const CONCURRENT_BATCHES = 2;

export interface SyncStats {
  seen: number;
  created: number;
  updated: number;
  removed: number;
  duration_ms: number;
  /**
   * What the inventory was discovered without (a refused metrics permission, named): the sync
   * succeeded, and the account's owner has something to grant.
   */
  warnings: DiscoveryWarning[];
}

export interface SyncTarget {
  organization_id: string;
  cloud_account_id: string;
}

export interface SyncDependencies {
  db: Kysely<Database>;
  outbox: Outbox;
  logger: ServiceDeps['logger'];
  /** Builds the account's adapter (sim or live, with its decrypted credentials). */
  adapterFor(trx: Transaction<Database>, account: SyncableAccount): Promise<CloudAdapter>;
  /** Reports progress after each batch; the CLI and the API show it. */
  onProgress?: (stats: Omit<SyncStats, 'duration_ms' | 'warnings'>) => void;
}

export interface SyncableAccount extends InventoryAccount {
  account_id: string;
  status: string;
  settings: Record<string, unknown>;
}

export class SyncSkipped extends Error {
  override name = 'SyncSkipped';
}

/**
 * A sync stopped by its signal (the service stopping): what its batches stored stays, nothing is
 * removed, and nothing is recorded against the account; the next sync goes through it again.
 */
export class SyncInterrupted extends Error {
  override name = 'SyncInterrupted';
}

/** Accounts discovery leaves alone: a billing-only account (linked by a billing-level cost import) has no credentials. */
export const INACTIVE_STATUSES: readonly string[] = ['unlinked', 'disabled', 'billing_only'];

/**
 * Streams an account's whole inventory from its adapter into `resources`, batch by batch, each
 * batch's upsert and its resource.discovered events committed together (outbox). Only when the
 * stream ends cleanly are the resources not seen in this sync removed (resource.removed), so a
 * sync cut short never deletes anything. An unchanged inventory writes last_seen and emits nothing.
 *
 * One sync per account at a time: a session advisory lock on a reserved connection, released by
 * PostgreSQL if the process dies. A second sync of the same account meanwhile is skipped.
 */
export async function syncAccount(deps: SyncDependencies, target: SyncTarget, { signal }: { signal?: AbortSignal } = {}): Promise<SyncStats> {
  const started = performance.now();
  return deps.db.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`
      select pg_try_advisory_lock(hashtextextended(${`discovery:${target.cloud_account_id}`}, 0)) as locked
    `.execute(connection);
    if (!rows[0]?.locked) throw new SyncSkipped(`a sync of cloud account ${target.cloud_account_id} is already running`);
    try {
      // The lock's connection only holds the lock; the writes go through the pool, two batches at a time.
      return await runSync(deps, target, started, signal);
    } finally {
      await sql`select pg_advisory_unlock(hashtextextended(${`discovery:${target.cloud_account_id}`}, 0))`.execute(connection);
    }
  });
}

async function runSync(deps: SyncDependencies, target: SyncTarget, started: number, signal: AbortSignal | undefined): Promise<SyncStats> {
  const { db, logger } = deps;
  const tenant = target.organization_id;
  const { account, adapter, since } = await withTenant(db, tenant, async (trx) => {
    const account = await findSyncableAccount(trx, target.cloud_account_id);
    if (!account) throw new SyncSkipped(`cloud account ${target.cloud_account_id} does not exist`);
    if (INACTIVE_STATUSES.includes(account.status)) throw new SyncSkipped(`cloud account ${account.id} is ${account.status}`);
    const { rows } = await sql<{ now: Date }>`select now() as now`.execute(trx);
    return { account, adapter: await deps.adapterFor(trx, account), since: rows[0]!.now };
  });

  const stats = { seen: 0, created: 0, updated: 0, removed: 0 };
  const warnings: DiscoveryWarning[] = [];
  const inFlight = new Set<Promise<void>>();
  const write = (batch: DiscoveredResource[]) => {
    const written: Promise<void> = withTenant(db, tenant, async (trx) => {
      const changes = await upsertResources(trx, account, batch);
      await deps.outbox.publishMany(trx, changes.map((change) => discoveredEvent(account, change)));
      return changes;
    })
      .then((changes) => {
        stats.seen += batch.length;
        for (const { change } of changes) stats[change === 'created' ? 'created' : 'updated'] += 1;
        deps.onProgress?.(stats);
      })
      .finally(() => inFlight.delete(written));
    inFlight.add(written);
    return written;
  };
  try {
    for await (const batch of rebatch(adapter.discover({ signal, onWarning: (warning) => warnings.push(warning) }), SYNC_BATCH_SIZE)) {
      // Whether or not the adapter heeds it, no batch is written after the signal.
      signal?.throwIfAborted();
      void write(batch).catch(() => undefined);
      if (inFlight.size >= CONCURRENT_BATCHES) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    stats.removed = await withTenant(db, tenant, async (trx) => {
      const removed = await removeUnseenResources(trx, account.id, since);
      await refreshExpressionGroups(trx, account.id);
      await deps.outbox.publishMany(trx, removed.map((resource) => removedEvent(account, resource)));
      // With the removals: a sync that fails part-way compares nothing with the states.
      await detectDrift(trx, deps.outbox, tenant, account.id);
      const result = { ...stats, removed: removed.length, duration_ms: Math.round(performance.now() - started), warnings };
      await recordOutcome(trx, account, { status: 'connected', error: null, stats: result });
      return removed.length;
    });
  } catch (error) {
    // Whatever batches are still being written finish (or fail) before the outcome is recorded.
    await Promise.allSettled(inFlight);
    if (signal?.aborted) {
      logger.info({ cloud_account_id: account.id, reason: String(signal.reason), ...stats }, 'sync interrupted');
      throw new SyncInterrupted(`the sync of cloud account ${account.id} was interrupted: ${String(signal.reason)}`);
    }
    const status = error instanceof CloudCredentialsError ? 'credentials_invalid' : 'error';
    const message = error instanceof Error ? error.message : String(error);
    // What the batches already stored stays; only the outcome is recorded.
    await withTenant(db, tenant, (trx) => recordOutcome(trx, account, { status, error: message, stats: null }));
    logger.warn({ cloud_account_id: account.id, err: error, ...stats }, 'sync failed');
    throw error;
  }
  const result = { ...stats, duration_ms: Math.round(performance.now() - started), warnings };
  logger[warnings.length > 0 ? 'warn' : 'info']({ cloud_account_id: account.id, ...result }, 'sync complete');
  return result;
}

async function recordOutcome(
  trx: Transaction<Database>,
  account: SyncableAccount,
  outcome: { status: string; error: string | null; stats: SyncStats | null },
): Promise<void> {
  await trx
    .updateTable('cloud_accounts')
    .set({
      // A paused or unlinked account keeps its state even if a sync was running when it changed.
      status: sql<string>`case when status in ('unlinked', 'disabled', 'billing_only') then status else ${outcome.status} end`,
      last_sync_error: outcome.error,
      ...(outcome.stats
        ? {
            last_sync: sql<Date>`now()`,
            metadata: sql`metadata || jsonb_build_object('last_sync_stats', ${JSON.stringify(outcome.stats)}::jsonb)`,
          }
        : {}),
    })
    .where('id', '=', account.id)
    .execute();
}

function discoveredEvent(account: SyncableAccount, { resource, change, changed_fields }: ResourceChange): PublishManyItem {
  return {
    type: 'resource.discovered',
    tenant: account.organization_id,
    data: {
      change,
      ...(change === 'updated' ? { changed_fields } : {}),
      resource: {
        id: resource.id,
        cloud_account_id: account.id,
        provider: account.provider,
        provider_resource_id: resource.provider_resource_id,
        name: resource.name ?? '',
        type: resource.type,
        region: resource.region,
        zone: resource.zone,
        state: resource.state ?? '',
        tags: resource.tags,
        metadata: resource.metadata,
        cost_daily: resource.cost_daily,
        cost_monthly: resource.cost_monthly,
        discovered_at: resource.discovered_at.toISOString(),
        last_seen: resource.last_seen.toISOString(),
      },
    },
  };
}

function removedEvent(account: SyncableAccount, resource: RemovedResource): PublishManyItem {
  return {
    type: 'resource.removed',
    tenant: account.organization_id,
    data: {
      resource_id: resource.id,
      cloud_account_id: account.id,
      provider: account.provider,
      provider_resource_id: resource.provider_resource_id,
      last_seen: resource.last_seen.toISOString(),
    },
  };
}

/** Adapters page as their API does (a few to thousands); writes go in batches of `size`. */
async function* rebatch(pages: AsyncIterable<DiscoveredResource[]>, size: number): AsyncIterable<DiscoveredResource[]> {
  let pending: DiscoveredResource[] = [];
  for await (const page of pages) {
    pending.push(...page);
    while (pending.length >= size) {
      yield pending.slice(0, size);
      pending = pending.slice(size);
    }
  }
  if (pending.length > 0) yield pending;
}
