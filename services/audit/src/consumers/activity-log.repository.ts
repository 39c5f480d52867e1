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
 * Appends the activities the events report, in order, in one statement. Once per event: the caller
 * writes only those of events whose audit entry it wrote, whose unique event_id settles a
 * redelivery or a concurrent second run (a lookup of earlier activity here grew with the stream:
 * quadratic over a large sync).
 */
export async function recordActivities(trx: Transaction<Database>, reported: readonly { event: EventEnvelope; activity: Activity }[]): Promise<void> {
  if (reported.length === 0) return;
  const rows = reported.map(({ event, activity }, n) => {
    const { value: text } = storable({ subject: activity.subject, summary: activity.summary });
    return {
      organization_id: event.tenant,
      actor: activity.actor,
      type: activity.type,
      subject: text.subject,
      summary: text.summary,
      status: activity.status,
      details: storableDetails({ ...activity.details, event_id: event.id }),
      trace_id: traceIdOf(event),
      n,
    };
  });
  // The actor is recorded when it is a user of the organisation: an event naming anyone else must
  // still be recorded, not refused by the foreign key and dead-lettered.
  await sql`
    insert into activity_log (organization_id, actor, type, subject, summary, status, details, trace_id)
    select e.organization_id, (select id from users where id = e.actor), e.type, e.subject, e.summary, e.status, e.details, e.trace_id
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as e(
             organization_id uuid, actor uuid, type text, subject text, summary text, status text, details jsonb, trace_id text, n int)
     order by e.n
  `.execute(trx);
}
