import type { Kysely } from 'kysely';
import type { Database } from '@stratus/db';

/** Deletes outbox rows published before `olderThan`; unpublished rows are never touched. */
export async function pruneOutbox(db: Kysely<Database>, olderThan: Date): Promise<number> {
  const result = await db.deleteFrom('event_outbox').where('published_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes processed-event ids recorded before `olderThan`. Keep them longer than any message can
 * come back: the topics' retention AND the dead-letter topics' (30 days by default), since a
 * replayed dead letter reaches every consumer group of its topic, and a group that no longer
 * remembers the id would apply it again.
 */
export async function pruneProcessedEvents(db: Kysely<Database>, olderThan: Date): Promise<number> {
  const result = await db.deleteFrom('processed_events').where('processed_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
