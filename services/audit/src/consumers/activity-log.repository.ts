import { sql, type Transaction } from 'kysely';
import type { Database, JsonObject } from '@stratus/db';
import type { EventEnvelope } from '@stratus/events';
import { storable, storableDetails } from './storable.ts';

export interface Activity {
  actor: string | null;
  type: string;
  subject: string;
  summary: string;
  status: string | null;
  details: JsonObject;
}

/** The trace id of an event's W3C traceparent (00-<trace id>-<span id>-<flags>). */
export function traceIdOf(event: EventEnvelope): string | null {
  return event.traceparent?.split('-')[1] ?? null;
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
  const details = JSON.stringify(storableDetails({ ...activity.details, event_id: event.id }));
  const { value: text } = storable({ subject: activity.subject, summary: activity.summary });
  // The actor is recorded when it is a user of the organisation: an event naming anyone else must
  // still be recorded, not refused by the foreign key and dead-lettered.
  // The row is always written after the event happened: looking back from the event time (a day
  // of margin for clock skew between producer and database) keeps the lookup on the
  // (organization_id, created_at) index however long the stream grows.
  await sql`
    insert into activity_log (organization_id, actor, type, subject, summary, status, details, trace_id)
    select ${event.tenant}::uuid, (select id from users where id = ${activity.actor}::uuid), ${activity.type}, ${text.subject},
           ${text.summary}, ${activity.status}, ${details}::jsonb, ${traceIdOf(event)}
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
