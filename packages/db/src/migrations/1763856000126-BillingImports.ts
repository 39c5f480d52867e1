import { sql, type Kysely } from 'kysely';
import { execute, tenantIsolation } from './foundation/ddl.ts';

/**
 * Billing-level imports (issue #12, point 1): one FOCUS file of a whole billing account (an AWS
 * Organization's management account, an Azure billing account, a GCP billing account) imported for
 * the organisation, each row routed to the linked cloud account its provider and SubAccountId name.
 * A billing_imports row is the file; each account's share is a cost_imports row pointing to it, and
 * the cost store applies or refuses each share as it does any import. Rows that reach no account
 * (another provider, no SubAccountId, a sub-account not linked when the import refuses those) are
 * counted and listed on the billing import, never dropped silently. A sub-account nobody linked
 * may be linked by the import itself as a billing-only account (status billing_only): its costs
 * are kept, and discovery leaves it alone until someone links it with credentials.
 */
function discoverySchedules(inactive: string) {
  return sql`
    create or replace function stratus_discovery_schedules()
    returns table (cloud_account_id uuid, organization_id uuid, sync_interval_minutes integer)
    language sql
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    as $$
      select a.id, a.organization_id,
             greatest(5, coalesce((a.settings ->> 'sync_interval_minutes')::integer, 360))
        from public.cloud_accounts a
       where a.status not in (${sql.raw(inactive)})
    $$
  `;
}

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create table billing_imports (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid references users (id) on delete set null,
        file_name text not null,
        unlinked_sub_accounts text not null
          constraint billing_imports_unlinked_sub_accounts_check check (unlinked_sub_accounts in ('link', 'refuse')),
        status text not null default 'running' constraint billing_imports_status_check check (status in ('running', 'routed', 'failed')),
        rows_total integer not null default 0,
        rows_routed integer not null default 0,
        rows_rejected integer not null default 0,
        errors jsonb not null default '[]',
        breakdown jsonb,
        linked_accounts jsonb not null default '[]',
        error text,
        created_at timestamptz not null default now(),
        completed_at timestamptz
      )
    `,
    sql`create index billing_imports_organization_id_idx on billing_imports (organization_id, created_at desc)`,
    ...tenantIsolation('billing_imports'),
    sql`grant select on billing_imports to stratus_service`,
    sql`grant insert, update, delete on billing_imports to stratus_ingestion`,
    sql`alter table cost_imports add column billing_import_id uuid references billing_imports (id) on delete cascade`,
    sql`create index cost_imports_billing_import_id_idx on cost_imports (billing_import_id) where billing_import_id is not null`,
    // A billing-only account (linked by such an import: no credentials) has nothing to discover.
    discoverySchedules("'unlinked', 'disabled', 'billing_only'"),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    discoverySchedules("'unlinked', 'disabled'"),
    sql`alter table cost_imports drop column billing_import_id`,
    sql`drop table if exists billing_imports`,
  ]);
}
