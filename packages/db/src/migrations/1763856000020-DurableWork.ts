import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * What the reconciler of durable work (@stratus/queues `reconcile`) reads: the rows whose BullMQ job
 * may have been lost, across every organisation. A service role sees one organisation at a time, so
 * each list is a SECURITY DEFINER function granted to the role that owns the work, returning only
 * the ids a job is made of, one keyset page (after the given id) at a time.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create function stratus_unfinished_notification_deliveries(after_id uuid, max_rows integer)
      returns table (id uuid, organization_id uuid, event_id uuid, channel_key text)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select d.id, d.organization_id, d.event_id, d.channel_key
          from public.notification_deliveries d
         where d.status = 'pending' and (after_id is null or d.id > after_id)
         order by d.id
         limit max_rows
      $$
    `,
    sql`revoke all on function stratus_unfinished_notification_deliveries(uuid, integer) from public`,
    sql`grant execute on function stratus_unfinished_notification_deliveries(uuid, integer) to stratus_audit`,
    // Pending deliveries are few beside the delivered ones: the pass reads a small index.
    sql`create index notification_deliveries_pending_idx on notification_deliveries (id) where status = 'pending'`,

    sql`
      create function stratus_unfinished_operations(after_id uuid, max_rows integer)
      returns table (id uuid, organization_id uuid)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select o.id, o.organization_id
          from public.operations o
         where o.status in ('queued', 'running') and (after_id is null or o.id > after_id)
         order by o.id
         limit max_rows
      $$
    `,
    sql`revoke all on function stratus_unfinished_operations(uuid, integer) from public`,
    sql`grant execute on function stratus_unfinished_operations(uuid, integer) to stratus_action_executor`,
    sql`create index operations_unfinished_idx on operations (id) where status in ('queued', 'running')`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop index if exists operations_unfinished_idx`,
    sql`drop function if exists stratus_unfinished_operations(uuid, integer)`,
    sql`drop index if exists notification_deliveries_pending_idx`,
    sql`drop function if exists stratus_unfinished_notification_deliveries(uuid, integer)`,
  ]);
}
