import { sql, type Kysely } from 'kysely';
import type { Database, ServiceName } from '@stratus/db';

export interface PruneOptions {
  /** Rows older than this go. */
  olderThan: Date;
  /**
   * Rows deleted per statement, each its own transaction: a long backlog is worked off in short
   * deletes, never one that holds locks on (and bloats) a large table for minutes.
   */
  batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 5_000;

/**
 * Deletes `producer`'s outbox rows published before `olderThan`; unpublished rows are never touched,
 * nor are other producers' rows. Returns the rows deleted.
 */
export async function pruneOutbox(db: Kysely<Database>, producer: ServiceName, options: PruneOptions): Promise<number> {
  return pruneInBatches(options, (limit) =>
    sql<{ deleted: number }>`
      with pruner as materialized (${prunerLock('event_outbox', producer)}), doomed as (
        select seq from event_outbox, pruner
         where pruner.held and published_at < ${options.olderThan} and producer = ${producer}
         order by published_at
         limit ${limit}
      ), deleted as (
        delete from event_outbox o using doomed where o.seq = doomed.seq returning 1
      )
      select count(*)::integer as deleted from deleted
    `.execute(db),
  );
}

/**
 * Deletes `consumerGroup`'s processed-event ids recorded before `olderThan`; other groups' ids stay.
 * Keep them longer than any message can come back: the topics' retention AND the dead-letter
 * topics' (30 days by default), since a replayed dead letter reaches every consumer group of its
 * topic, and a group that no longer remembers the id would apply it again.
 */
export async function pruneProcessedEvents(db: Kysely<Database>, consumerGroup: string, options: PruneOptions): Promise<number> {
  return pruneInBatches(options, (limit) =>
    sql<{ deleted: number }>`
      with pruner as materialized (${prunerLock('processed_events', consumerGroup)}), doomed as (
        select consumer_group, event_id from processed_events, pruner
         where pruner.held and processed_at < ${options.olderThan} and consumer_group = ${consumerGroup}
         order by processed_at
         limit ${limit}
      ), deleted as (
        delete from processed_events p using doomed
         where p.consumer_group = doomed.consumer_group and p.event_id = doomed.event_id
        returning 1
      )
      select count(*)::integer as deleted from deleted
    `.execute(db),
  );
}

/**
 * One pruner per table and scope at a time, for the length of one batch's statement: replicas
 * pruning at once would otherwise pick the same rows and wait on (or deadlock over) each other's
 * deletes. A replica that finds the lock taken deletes nothing and ends its pass; the holder goes on.
 */
function prunerLock(table: string, scope: string) {
  return sql`select pg_try_advisory_xact_lock(hashtext(${`stratus_prune:${table}:${scope}`})) as held`;
}

async function pruneInBatches(
  { batchSize = DEFAULT_BATCH_SIZE }: PruneOptions,
  deleteBatch: (limit: number) => Promise<{ rows: { deleted: number }[] }>,
): Promise<number> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  let total = 0;
  for (;;) {
    const { rows } = await deleteBatch(batchSize);
    const deleted = rows[0]?.deleted ?? 0;
    total += deleted;
    // A short batch: the rest are gone, or another replica is pruning them.
    if (deleted < batchSize) return total;
  }
}
