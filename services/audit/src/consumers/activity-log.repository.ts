import { sql, type Transaction } from 'kysely';
import type { Database, JsonObject } from '@stratus/db';
import type { EventEnvelope } from '@stratus/events';

export interface Activity {
  actor: string | null;
  type: string;
  subject: string;
  summary: string;
  status: string;
  details: JsonObject;
}

/**
 * Appends the activity an event reports, once per event: the row keeps the event id in
 * details.event_id and is not written when a row of that event exists. The shared consumer already
 * skips redelivered events; this also covers the same event applied through another path (a
 * replayed dead letter under a new consumer group, a handler run by hand).
 */
export async function recordActivity(trx: Transaction<Database>, event: EventEnvelope, activity: Activity): Promise<void> {
  // Serialises two deliveries of one event, so the check below cannot race with the insert.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`activity:${event.id}`}, 0))`.execute(trx);
  const details = JSON.stringify({ ...activity.details, event_id: event.id });
  // The row is always written after the event happened: looking back from the event time (a day
  // of margin for clock skew between producer and database) keeps the lookup on the
  // (organization_id, created_at) index however long the stream grows.
  await sql`
    insert into activity_log (organization_id, actor, type, subject, summary, status, details)
    select ${event.tenant}::uuid, ${activity.actor}::uuid, ${activity.type}, ${activity.subject}, ${activity.summary},
           ${activity.status}, ${details}::jsonb
     where not exists (
       select 1
         from activity_log
        where organization_id = ${event.tenant}::uuid
          and created_at >= ${event.time}::timestamptz - interval '1 day'
          and type = ${activity.type}
          and details ->> 'event_id' = ${event.id}
     )
  `.execute(trx);
}
