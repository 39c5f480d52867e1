import { sql, type Kysely } from 'kysely';
import { dropTables, execute, tenantIsolation } from './foundation/ddl.ts';

const ROLLUP_TABLES = ['cost_rollups', 'cost_tag_rollups', 'cost_resource_rollups'];
const NEW_TABLES = ['cost_import_progress', ...ROLLUP_TABLES, 'budget_alert_firings'];

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    // Which import wrote a line: an import replaces the lines of earlier imports in its period, and
    // the lines of an import still arriving stay out of every total until it is complete.
    sql`alter table cost_data add column import_id uuid`,
    // The provider's id of the resource a line is for, kept even when the inventory does not know
    // the resource (yet): resource rollups and top spenders key on it.
    sql`alter table cost_data add column provider_resource_id text`,

    // The cost service's side of each import: which batches it holds, and whether the import has
    // been applied (its lines counted, the lines it replaces gone).
    sql`
      create table cost_import_progress (
        import_id uuid primary key,
        organization_id uuid not null references organizations (id) on delete cascade,
        cloud_account_id uuid not null references cloud_accounts (id) on delete cascade,
        source text not null check (source in ('provider', 'file')),
        status text not null default 'receiving' check (status in ('receiving', 'applied', 'abandoned')),
        received_batches integer[] not null default '{}',
        rows_received integer not null default 0,
        -- From the final batch's summary.
        batches integer,
        period_start timestamptz,
        period_end timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        applied_at timestamptz
      )
    `,
    sql`create index cost_import_progress_account_idx on cost_import_progress (cloud_account_id, status)`,
    sql`create index cost_import_progress_receiving_idx on cost_import_progress (updated_at) where status = 'receiving'`,
    ...tenantIsolation('cost_import_progress'),

    // Rollups answer every read of the API: daily and monthly totals per account, service and
    // region; per tag; per resource (monthly). They are kept by adding each applied import's lines
    // and subtracting the lines it replaced, so nothing is ever recomputed from scratch. '' stands
    // for "none" (no region, no service) because key columns cannot be null.
    sql`
      create table cost_rollups (
        organization_id uuid not null references organizations (id) on delete cascade,
        granularity text not null check (granularity in ('day', 'month')),
        period_start date not null,
        cloud_account_id uuid not null references cloud_accounts (id) on delete cascade,
        provider cloud_provider not null,
        service text not null,
        region text not null,
        currency char(3) not null,
        amount numeric(20, 6) not null,
        lines integer not null,
        primary key (organization_id, granularity, period_start, cloud_account_id, service, region, currency)
      )
    `,
    sql`create index cost_rollups_account_idx on cost_rollups (cloud_account_id, granularity, period_start)`,
    ...tenantIsolation('cost_rollups'),
    sql`
      create table cost_tag_rollups (
        organization_id uuid not null references organizations (id) on delete cascade,
        granularity text not null check (granularity in ('day', 'month')),
        period_start date not null,
        tag_key text not null,
        tag_value text not null,
        cloud_account_id uuid not null references cloud_accounts (id) on delete cascade,
        provider cloud_provider not null,
        service text not null,
        currency char(3) not null,
        amount numeric(20, 6) not null,
        lines integer not null,
        primary key (organization_id, granularity, period_start, tag_key, tag_value, cloud_account_id, service, currency)
      )
    `,
    sql`create index cost_tag_rollups_account_idx on cost_tag_rollups (cloud_account_id, granularity, period_start)`,
    ...tenantIsolation('cost_tag_rollups'),
    sql`
      create table cost_resource_rollups (
        organization_id uuid not null references organizations (id) on delete cascade,
        month date not null check (extract(day from month) = 1),
        cloud_account_id uuid not null references cloud_accounts (id) on delete cascade,
        provider cloud_provider not null,
        provider_resource_id text not null,
        service text not null,
        region text not null,
        currency char(3) not null,
        amount numeric(20, 6) not null,
        lines integer not null,
        primary key (organization_id, month, cloud_account_id, provider_resource_id, service, region, currency)
      )
    `,
    sql`create index cost_resource_rollups_account_idx on cost_resource_rollups (cloud_account_id, month)`,
    ...tenantIsolation('cost_resource_rollups'),

    // One row per alert threshold and budget period that fired: its primary key is what makes
    // budget.threshold_crossed go out exactly once per threshold and period.
    sql`
      create table budget_alert_firings (
        budget_alert_id uuid not null references budget_alerts (id) on delete cascade,
        period_start date not null,
        organization_id uuid not null references organizations (id) on delete cascade,
        budget_id uuid not null references budgets (id) on delete cascade,
        period_end date not null,
        spend numeric(20, 6) not null,
        fired_at timestamptz not null default now(),
        primary key (budget_alert_id, period_start)
      )
    `,
    sql`create index budget_alert_firings_budget_id_idx on budget_alert_firings (budget_id)`,
    ...tenantIsolation('budget_alert_firings'),

    sql`grant select on ${sql.join(NEW_TABLES.map((table) => sql.table(table)))} to stratus_service`,
    sql`grant insert, update, delete on ${sql.join(NEW_TABLES.map((table) => sql.table(table)))} to stratus_cost`,
    // The cost service keeps each resource's cost current; the rest of the inventory is ingestion's.
    sql`grant update (cost_daily, cost_monthly) on resources to stratus_cost`,

    // Maintenance works across organisations while row-level security shows one at a time: these
    // owner's-rights functions reveal only which accounts have lines in a range and which imports
    // stopped arriving, and drop a monthly partition that lies wholly before a cutoff.
    sql`
      create function stratus_cost_data_accounts(p_from timestamptz, p_to timestamptz)
      returns table (organization_id uuid, cloud_account_id uuid)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select distinct c.organization_id, c.cloud_account_id
          from public.cost_data c
         where c."timestamp" >= p_from and c."timestamp" < p_to
      $$
    `,
    sql`
      create function stratus_cost_data_partitions()
      returns table (partition_name text, range_start timestamptz, range_end timestamptz)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select c.relname::text,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz
          from pg_inherits i
          join pg_class c on c.oid = i.inhrelid
         where i.inhparent = 'public.cost_data'::regclass
           and c.relname ~ '^cost_data_y[0-9]{4}m[0-9]{2}$'
         order by 2
      $$
    `,
    sql`
      create function stratus_drop_cost_data_partition(p_name text, p_before timestamptz) returns boolean
      language plpgsql
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
      declare
        v_end timestamptz;
      begin
        select range_end into v_end from public.stratus_cost_data_partitions() where partition_name = p_name;
        if v_end is null then
          return false;
        end if;
        if v_end > p_before then
          raise exception 'partition % ends at %, after the retention cutoff %', p_name, v_end, p_before;
        end if;
        execute format('alter table public.cost_data detach partition public.%I', p_name);
        execute format('drop table public.%I', p_name);
        return true;
      end
      $$
    `,
    sql`
      create function stratus_stale_cost_imports(p_idle_since timestamptz)
      returns table (import_id uuid, organization_id uuid, cloud_account_id uuid)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select p.import_id, p.organization_id, p.cloud_account_id
          from public.cost_import_progress p
         where p.status = 'receiving' and p.updated_at < p_idle_since
      $$
    `,
    sql`revoke all on function stratus_stale_cost_imports(timestamptz) from public`,
    sql`grant execute on function stratus_stale_cost_imports(timestamptz) to stratus_cost`,
    sql`revoke all on function stratus_cost_data_accounts(timestamptz, timestamptz) from public`,
    sql`revoke all on function stratus_cost_data_partitions() from public`,
    sql`revoke all on function stratus_drop_cost_data_partition(text, timestamptz) from public`,
    sql`grant execute on function stratus_cost_data_accounts(timestamptz, timestamptz) to stratus_cost`,
    sql`grant execute on function stratus_cost_data_partitions() to stratus_cost`,
    sql`grant execute on function stratus_drop_cost_data_partition(text, timestamptz) to stratus_cost`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop function if exists stratus_stale_cost_imports(timestamptz)`,
    sql`drop function if exists stratus_drop_cost_data_partition(text, timestamptz)`,
    sql`drop function if exists stratus_cost_data_partitions()`,
    sql`drop function if exists stratus_cost_data_accounts(timestamptz, timestamptz)`,
    sql`revoke update (cost_daily, cost_monthly) on resources from stratus_cost`,
    ...dropTables(NEW_TABLES),
    sql`alter table cost_data drop column if exists provider_resource_id`,
    sql`alter table cost_data drop column if exists import_id`,
  ]);
}
