import { sql, type Kysely } from 'kysely';
import { dropTables, execute, keepUpdatedAt, tenantIsolation } from './ddl.ts';

export const COST_TABLES = ['cost_data', 'costs_breakdown', 'budgets', 'budget_alerts'];

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    // Monthly range partitions keep recent months' indexes small and let old months be detached
    // or dropped whole. A unique key must include the partition key, hence (id, "timestamp").
    sql`
      create table cost_data (
        id uuid not null default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        cloud_account_id uuid not null references cloud_accounts (id) on delete cascade,
        resource_id uuid references resources (id) on delete set null,
        provider cloud_provider not null,
        service text,
        region text,
        "timestamp" timestamptz not null,
        amount numeric(20, 6) not null,
        currency char(3) not null,
        granularity cost_granularity not null,
        dimensions jsonb not null default '{}',
        created_at timestamptz not null default now(),
        primary key (id, "timestamp")
      ) partition by range ("timestamp")
    `,
    sql`create index cost_data_cloud_account_id_timestamp_idx on cost_data (cloud_account_id, "timestamp")`,
    sql`create index cost_data_resource_id_timestamp_idx on cost_data (resource_id, "timestamp")`,
    sql`create index cost_data_organization_id_timestamp_idx on cost_data (organization_id, "timestamp")`,
    // Rows outside every monthly partition land here instead of being rejected.
    sql`create table cost_data_default partition of cost_data default`,
    // Policies on the parent apply to rows read or written through it; services have no
    // privileges on the partitions themselves, so there is no way around them.
    ...tenantIsolation('cost_data'),

    // Partitions cover UTC months. A partition created for a month that already has rows in the
    // default partition must take those rows over first, or attaching it would fail; the advisory
    // lock serialises concurrent callers. Security definer lets the cost service (which does not
    // own cost_data) roll partitions forward; search_path is pinned so no caller can redirect it.
    sql`
      create function ensure_cost_data_partitions(p_from date, p_months integer) returns integer
      language plpgsql
      security definer
      set search_path = pg_catalog, public
      as $$
      declare
        v_month date := date_trunc('month', p_from::timestamp)::date;
        v_lower timestamptz;
        v_upper timestamptz;
        v_name text;
        v_created integer := 0;
      begin
        if p_from is null or p_months is null or p_months < 0 or p_months > 1200 then
          raise exception 'ensure_cost_data_partitions: need a start date and 0..1200 months, got (%, %)', p_from, p_months;
        end if;
        perform pg_advisory_xact_lock(hashtext('ensure_cost_data_partitions'));
        for i in 1..p_months loop
          v_name := format('cost_data_y%sm%s', to_char(v_month, 'YYYY'), to_char(v_month, 'MM'));
          v_lower := v_month::timestamp at time zone 'UTC';
          v_upper := (v_month + interval '1 month')::timestamp at time zone 'UTC';
          if to_regclass(format('public.%I', v_name)) is null then
            execute format('create table public.%I (like public.cost_data including defaults)', v_name);
            execute format(
              'with moved as (delete from public.cost_data_default where "timestamp" >= %L and "timestamp" < %L returning *)
               insert into public.%I select * from moved',
              v_lower, v_upper, v_name);
            execute format(
              'alter table public.cost_data attach partition public.%I for values from (%L) to (%L)',
              v_name, v_lower, v_upper);
            v_created := v_created + 1;
          end if;
          v_month := (v_month + interval '1 month')::date;
        end loop;
        return v_created;
      end
      $$
    `,
    sql`revoke all on function ensure_cost_data_partitions(date, integer) from public`,
    sql`grant execute on function ensure_cost_data_partitions(date, integer) to stratus_cost`,
    // Twelve months back, this month and three ahead.
    sql`select ensure_cost_data_partitions(((now() at time zone 'UTC') - interval '12 months')::date, 16)`,

    // Monthly spend per provider/account/service (seed 000); month is the month's first day.
    sql`
      create table costs_breakdown (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid references users (id) on delete set null,
        provider cloud_provider not null,
        account_id text not null,
        account_name text,
        service text not null,
        month date not null default date_trunc('month', now())::date,
        amount numeric(20, 6) not null,
        currency char(3) not null default 'USD',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (organization_id, provider, account_id, service, month),
        constraint costs_breakdown_month_is_first_day check (extract(day from month) = 1)
      )
    `,
    sql`create index costs_breakdown_organization_id_month_idx on costs_breakdown (organization_id, month)`,
    sql`create index costs_breakdown_provider_idx on costs_breakdown (provider)`,
    sql`create index costs_breakdown_service_idx on costs_breakdown (service)`,
    ...tenantIsolation('costs_breakdown'),
    keepUpdatedAt('costs_breakdown'),

    // security_invoker: the caller's row-level security applies to costs_breakdown, so a tenant
    // sees only its own aggregates. delta_pct is null when the previous month is 0: a change
    // from nothing has no percentage, and 0 would claim spend did not change.
    sql`
      create view v_costs_aggregates with (security_invoker = true) as
      with totals as (
        select organization_id,
               coalesce(sum(amount) filter (where month = date_trunc('month', now())::date), 0) as monthly,
               coalesce(sum(amount) filter (where month = (date_trunc('month', now()) - interval '1 month')::date), 0)
                 as previous_monthly
          from costs_breakdown
         group by organization_id
      )
      select organization_id,
             monthly,
             round(monthly / 30, 6) as daily,
             previous_monthly,
             case when previous_monthly = 0 then null
                  else round((monthly - previous_monthly) * 100 / previous_monthly, 2)
             end as delta_pct
        from totals
    `,
    // Seed 000's RPC, for the current organisation; an organisation without costs gets zeros.
    sql`
      create function costs_aggregates() returns json
      language sql stable
      as $$
        select json_build_object(
                 'daily', coalesce(a.daily, 0),
                 'monthly', coalesce(a.monthly, 0),
                 'delta_pct', a.delta_pct)
          from (select stratus_current_organization() as organization_id) current_organization
          left join v_costs_aggregates a using (organization_id)
      $$
    `,

    sql`
      create table budgets (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name text not null,
        amount numeric(20, 6) not null,
        currency char(3) not null,
        period budget_period not null,
        start_date date not null,
        end_date date,
        filters jsonb not null default '{}',
        created_by uuid references users (id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint budgets_amount_not_negative check (amount >= 0),
        constraint budgets_end_after_start check (end_date is null or end_date >= start_date)
      )
    `,
    sql`create index budgets_organization_id_idx on budgets (organization_id)`,
    ...tenantIsolation('budgets'),
    keepUpdatedAt('budgets'),

    sql`
      create table budget_alerts (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        budget_id uuid not null references budgets (id) on delete cascade,
        threshold numeric(5, 2) not null,
        threshold_type text not null default 'actual',
        notification_channels jsonb not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint budget_alerts_threshold_type_check check (threshold_type in ('actual', 'forecast')),
        constraint budget_alerts_threshold_positive check (threshold > 0)
      )
    `,
    sql`create index budget_alerts_budget_id_idx on budget_alerts (budget_id)`,
    sql`create index budget_alerts_organization_id_idx on budget_alerts (organization_id)`,
    ...tenantIsolation('budget_alerts'),
    keepUpdatedAt('budget_alerts'),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop function if exists costs_aggregates()`,
    sql`drop view if exists v_costs_aggregates`,
    sql`drop function if exists ensure_cost_data_partitions(date, integer)`,
    ...dropTables(COST_TABLES),
  ]);
}
