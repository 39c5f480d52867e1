import { sql, type Kysely } from 'kysely';
import { execute, tenantIsolation } from './foundation/ddl.ts';

/**
 * Named off-hours schedules (issue #15, point 3): a match expression over resources, a spec in
 * Cloud Custodian's syntax and listed holidays. A resource's own `stratus:schedule` tag wins over
 * any named schedule.
 *
 * The convergence job runs for every organisation while row-level security shows one at a time:
 * stratus_scheduled_organizations (owner's rights, fixed search_path) is its one cross-tenant read,
 * and reveals only the ids of organisations that have an enabled schedule or a tagged resource.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create table schedules (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name text not null,
        match text not null,
        spec text not null,
        holidays date[] not null default '{}',
        status automation_rule_status not null default 'enabled',
        created_by uuid references users (id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create unique index schedules_organization_id_name_idx on schedules (organization_id, name)`,
    ...tenantIsolation('schedules'),
    sql`create trigger schedules_set_updated_at before update on schedules for each row execute function set_updated_at()`,
    sql`grant select on schedules to stratus_service`,
    sql`grant insert, update, delete on schedules to stratus_action_executor`,
    sql`
      create function stratus_scheduled_organizations()
      returns table (organization_id uuid)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select organization_id from public.schedules where status = 'enabled'
        union
        select organization_id from public.resources where tags ? 'stratus:schedule'
      $$
    `,
    sql`revoke all on function stratus_scheduled_organizations() from public`,
    sql`grant execute on function stratus_scheduled_organizations() to stratus_action_executor`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [sql`drop function if exists stratus_scheduled_organizations()`, sql`drop table if exists schedules`]);
}
