import { sql, type Kysely } from 'kysely';
import { execute, tenantIsolation } from './foundation/ddl.ts';

/**
 * Terraform awareness (issue #18, points 1-4). The ingestion service owns resources and discovery,
 * so it owns the states and modules too (the Foundation had given them to the action executor,
 * which never wrote them). A state's raw JSON is sealed with the vault in state_file (it often holds
 * secrets: database passwords, private keys) and so is an HTTP backend's address and credentials;
 * what was parsed of it, one row per resource instance, is terraform_resources, which every service
 * reads: the action executor and the recommendation service look up whether a resource is managed.
 */
function pullSchedules() {
  return sql`
    create function stratus_terraform_pull_schedules()
    returns table (terraform_state_id uuid, organization_id uuid, pull_interval_minutes integer)
    language sql
    stable
    security definer
    set search_path = pg_catalog, pg_temp
    as $$
      select s.id, s.organization_id, s.pull_interval_minutes
        from public.terraform_states s
       where s.backend = 'http'
    $$
  `;
}

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`revoke insert, update, delete on terraform_states, terraform_modules from stratus_action_executor`,
    sql`grant insert, update, delete on terraform_states, terraform_modules to stratus_ingestion`,
    sql`alter table terraform_states add column cloud_account_id uuid references cloud_accounts (id) on delete set null`,
    sql`
      alter table terraform_states
        add column backend text not null default 'upload' constraint terraform_states_backend_check check (backend in ('upload', 'http')),
        add column backend_config jsonb,
        add column pull_interval_minutes integer not null default 60 constraint terraform_states_pull_interval_check check (pull_interval_minutes >= 5),
        add column serial bigint,
        add column lineage text,
        add column terraform_version text,
        add column last_error text,
        add column module_versions jsonb not null default '{}'
    `,
    sql`create index terraform_states_cloud_account_id_idx on terraform_states (cloud_account_id) where cloud_account_id is not null`,
    sql`
      create table terraform_resources (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        terraform_state_id uuid not null references terraform_states (id) on delete cascade,
        terraform_module_id uuid references terraform_modules (id) on delete set null,
        address text not null,
        module_path text not null,
        type text not null,
        name text not null,
        provider text not null,
        index_key text,
        provider_ids text[] not null,
        size_attribute text,
        size text,
        tags jsonb,
        drift_signature text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (terraform_state_id, address)
      )
    `,
    // Whether one resource is managed is "provider_ids @> array[provider_resource_id]", a probe of
    // this index. Without fastupdate: a state's upload adds thousands of rows at once, and probes
    // would otherwise scan them all in the index's pending list (0.18 ms a probe at 1,000 rows).
    sql`create index terraform_resources_provider_ids_idx on terraform_resources using gin (provider_ids) with (fastupdate = off)`,
    sql`create index terraform_resources_organization_id_idx on terraform_resources (organization_id)`,
    sql`create index terraform_resources_terraform_module_id_idx on terraform_resources (terraform_module_id) where terraform_module_id is not null`,
    ...tenantIsolation('terraform_resources'),
    sql`
      create trigger terraform_resources_set_updated_at before update on terraform_resources
        for each row execute function set_updated_at()
    `,
    sql`grant select on terraform_resources to stratus_service`,
    sql`grant insert, update, delete on terraform_resources to stratus_ingestion`,
    pullSchedules(),
    sql`revoke all on function stratus_terraform_pull_schedules() from public`,
    sql`grant execute on function stratus_terraform_pull_schedules() to stratus_ingestion`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop function if exists stratus_terraform_pull_schedules()`,
    sql`drop table if exists terraform_resources`,
    sql`
      alter table terraform_states
        drop column cloud_account_id, drop column backend, drop column backend_config, drop column pull_interval_minutes,
        drop column serial, drop column lineage, drop column terraform_version, drop column last_error, drop column module_versions
    `,
    sql`revoke insert, update, delete on terraform_states, terraform_modules from stratus_ingestion`,
    sql`grant insert, update, delete on terraform_states, terraform_modules to stratus_action_executor`,
  ]);
}
