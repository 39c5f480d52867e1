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
 * Appends the activity an event reports. Once per event: the caller writes it only with the
 * event's audit entry, whose unique event_id settles a redelivery or a concurrent second run
 * (a lookup of earlier activity here grew with the stream: quadratic over a large sync).
 */
export async function recordActivity(trx: Transaction<Database>, event: EventEnvelope, activity: Activity): Promise<void> {
  const details = JSON.stringify(storableDetails({ ...activity.details, event_id: event.id }));
  const { value: text } = storable({ subject: activity.subject, summary: activity.summary });
  // The actor is recorded when it is a user of the organisation: an event naming anyone else must
  // still be recorded, not refused by the foreign key and dead-lettered.
  await sql`
    insert into activity_log (organization_id, actor, type, subject, summary, status, details, trace_id)
    values (${event.tenant}::uuid, (select id from users where id = ${activity.actor}::uuid), ${activity.type}, ${text.subject},
            ${text.summary}, ${activity.status}, ${details}::jsonb, ${traceIdOf(event)})
  `.execute(trx);
}
