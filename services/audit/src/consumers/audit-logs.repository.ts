import { sql, type Transaction } from 'kysely';
import type { Database, JsonObject } from '@stratus/db';
import { catalogue, type EventEnvelope } from '@stratus/events';
import { traceIdOf } from './activity-log.repository.ts';
import { storable, storableDetails } from './storable.ts';

/** Who acted, as events name them: a person who linked an account, requested an action or called the API. */
export function actorOf(event: EventEnvelope): string | null {
  const data = event.data as { user_id?: string; requested_by?: string };
  return data.user_id ?? data.requested_by ?? null;
}

/**
 * Appends the event to its organisation's audit chain, once: event_id is unique, and false says the
 * event was recorded already (a concurrent run waits for the first to commit, then finds it). The
 * database's trigger gives the row its time, sequence and hashes (migration 1763856000090).
 */
export async function recordAuditEntry(trx: Transaction<Database>, event: EventEnvelope): Promise<boolean> {
  const definition = catalogue[event.type];
  const request = event.type === 'api.request_recorded' ? event.data : undefined;
  const details: JsonObject = {
    event_version: event.version,
    event_time: event.time,
    data: event.data as JsonObject,
  };
  const { value: where } = storable({
    ip: request?.ip_address ?? null,
    agent: request?.user_agent ?? null,
    resourceType: request ? request.route : definition.subject,
    resourceId: request ? (request.resource_id ?? null) : event.subject,
  });
  const { rows } = await sql`
    insert into audit_logs (organization_id, user_id, event_id, action, resource_type, resource_id, ip_address, user_agent, details, trace_id)
    values (
      ${event.tenant}::uuid, (select id from users where id = ${actorOf(event)}::uuid), ${event.id}::uuid, ${event.type},
      ${where.resourceType}, ${where.resourceId},
      ${where.ip}, ${where.agent}, ${JSON.stringify(storableDetails(details))}::jsonb, ${request?.trace_id ?? traceIdOf(event)}
    )
    on conflict (event_id) do nothing
    returning 1
  `.execute(trx);
  return rows.length > 0;
}
