import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * Workflows (issue #15, point 4) on the seed's tables.
 *
 * - trigger_type and status hold the words the seed names (manual, scheduled, event-based; active),
 *   checked like the other text columns with a closed set of values.
 * - workflow_executions.trigger_key makes a trigger idempotent: the triggering event's id, or the
 *   scheduler's tick; one execution per workflow and key however often the trigger is delivered.
 * - attempt counts the runs of one execution: a resume starts the next attempt, whose job id
 *   (`<id>-<attempt>`) is new, since BullMQ keeps the failed job of the last attempt under its id.
 * - Two cross-tenant reads (owner's rights, fixed search_path), each revealing only ids: the
 *   unfinished executions whose job the reconciler gives back when Redis lost it, and the
 *   scheduled workflows whose scheduler the executor puts back at start.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`alter table workflows add constraint workflows_trigger_type_check check (trigger_type in ('manual', 'scheduled', 'event-based'))`,
    sql`alter table workflows add constraint workflows_status_check check (status in ('active', 'disabled'))`,
    sql`alter table workflow_executions add column attempt integer not null default 1`,
    sql`alter table workflow_executions add column trigger_key text`,
    sql`create unique index workflow_executions_trigger_key_idx on workflow_executions (workflow_id, trigger_key) where trigger_key is not null`,
    sql`create index workflow_executions_unfinished_idx on workflow_executions (id) where status in ('queued', 'running')`,
    sql`
      create function stratus_unfinished_workflow_executions(after_id uuid, max_rows integer)
      returns table (id uuid, organization_id uuid, attempt integer)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select e.id, e.organization_id, e.attempt
          from public.workflow_executions e
         where e.status in ('queued', 'running') and (after_id is null or e.id > after_id)
         order by e.id
         limit max_rows
      $$
    `,
    sql`revoke all on function stratus_unfinished_workflow_executions(uuid, integer) from public`,
    sql`grant execute on function stratus_unfinished_workflow_executions(uuid, integer) to stratus_action_executor`,
    sql`
      create function stratus_scheduled_workflows()
      returns table (id uuid, organization_id uuid)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select w.id, w.organization_id from public.workflows w where w.trigger_type = 'scheduled' and w.status = 'active'
      $$
    `,
    sql`revoke all on function stratus_scheduled_workflows() from public`,
    sql`grant execute on function stratus_scheduled_workflows() to stratus_action_executor`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop function if exists stratus_scheduled_workflows()`,
    sql`drop function if exists stratus_unfinished_workflow_executions(uuid, integer)`,
    sql`drop index if exists workflow_executions_unfinished_idx`,
    sql`drop index if exists workflow_executions_trigger_key_idx`,
    sql`alter table workflow_executions drop column if exists trigger_key`,
    sql`alter table workflow_executions drop column if exists attempt`,
    sql`alter table workflows drop constraint if exists workflows_status_check`,
    sql`alter table workflows drop constraint if exists workflows_trigger_type_check`,
  ]);
}
