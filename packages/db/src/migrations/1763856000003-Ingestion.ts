import { sql, type Kysely } from 'kysely';
import { execute, tenantIsolation } from './foundation/ddl.ts';

export async function up(db: Kysely<any>): Promise<void> {
  // The discovery scheduler keeps one BullMQ job scheduler per linked account, across every
  // organisation, while row-level security shows a connection one organisation at a time. This
  // function (owner's rights, fixed search_path, qualified names) is its one cross-tenant read,
  // and it reveals only what a schedule needs.
  await sql`
    create function stratus_discovery_schedules()
    returns table (cloud_account_id uuid, organization_id uuid, sync_interval_minutes integer)
    language sql
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    as $$
      select a.id, a.organization_id,
             greatest(5, coalesce((a.settings ->> 'sync_interval_minutes')::integer, 360))
        from public.cloud_accounts a
       where a.status not in ('unlinked', 'disabled')
    $$
  `.execute(db);
  await sql`revoke all on function stratus_discovery_schedules() from public`.execute(db);
  await sql`grant execute on function stratus_discovery_schedules() to stratus_ingestion`.execute(db);

  // Every sync rewrites last_seen on every resource it sees. last_seen is in no index, so with free
  // space on the page those updates are HOT (no index writes, no bloat of the GIN index on tags).
  await sql`alter table resources set (fillfactor = 80)`.execute(db);

  // Every cost import (a provider pull or an uploaded FOCUS file) with its outcome, so a FinOps
  // user can see what was imported, which rows were refused and why, and re-run a period.
  await sql`
    create table cost_imports (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations (id) on delete cascade,
      cloud_account_id uuid not null references cloud_accounts (id) on delete cascade,
      user_id uuid references users (id) on delete set null,
      source text not null check (source in ('provider', 'file')),
      file_name text,
      status text not null default 'running' check (status in ('running', 'completed', 'failed')),
      period_start timestamptz,
      period_end timestamptz,
      rows_total integer not null default 0,
      rows_imported integer not null default 0,
      rows_rejected integer not null default 0,
      batches integer not null default 0,
      -- The first rejected rows ({line, reason}); rows_rejected counts them all.
      errors jsonb not null default '[]',
      error text,
      created_at timestamptz not null default now(),
      completed_at timestamptz
    )
  `.execute(db);
  await sql`create index cost_imports_organization_id_idx on cost_imports (organization_id, created_at desc)`.execute(db);
  await sql`create index cost_imports_cloud_account_id_idx on cost_imports (cloud_account_id)`.execute(db);
  await execute(db, tenantIsolation('cost_imports'));
  await sql`grant select on cost_imports to stratus_service`.execute(db);
  await sql`grant insert, update, delete on cost_imports to stratus_ingestion`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists cost_imports`.execute(db);
  await sql`alter table resources reset (fillfactor)`.execute(db);
  await sql`drop function if exists stratus_discovery_schedules()`.execute(db);
}
