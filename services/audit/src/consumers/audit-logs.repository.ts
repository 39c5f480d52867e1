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
 * Appends the events to their organisation's audit chain, in their order, each once: event_id is
 * unique, and an event recorded already (a concurrent run waits for the first to commit, then
 * finds it) is left out of the returned ids. The database's trigger gives each row its time,
 * sequence and hashes (migration 1763856000090). One statement for the whole run: a run of a
 * sync's 500 events was 500 statements.
 */
export async function recordAuditEntries(trx: Transaction<Database>, events: readonly EventEnvelope[]): Promise<Set<string>> {
  const rows = events.map((event, n) => {
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
    return {
      organization_id: event.tenant,
      actor: actorOf(event),
      event_id: event.id,
      action: event.type,
      resource_type: where.resourceType,
      resource_id: where.resourceId,
      ip_address: where.ip,
      user_agent: where.agent,
      details: storableDetails(details),
      trace_id: request?.trace_id ?? traceIdOf(event),
      n,
    };
  });
  // `order by` makes the chain's order the events' order: the trigger runs row by row as rows come.
  const { rows: inserted } = await sql<{ event_id: string }>`
    insert into audit_logs (organization_id, user_id, event_id, action, resource_type, resource_id, ip_address, user_agent, details, trace_id)
    select e.organization_id, (select id from users where id = e.actor), e.event_id, e.action,
           e.resource_type, e.resource_id, e.ip_address, e.user_agent, e.details, e.trace_id
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as e(
             organization_id uuid, actor uuid, event_id uuid, action text, resource_type text, resource_id text,
             ip_address text, user_agent text, details jsonb, trace_id text, n int)
     order by e.n
    on conflict (event_id) do nothing
    returning event_id
  `.execute(trx);
  return new Set(inserted.map((row) => row.event_id));
}
