import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * Realized savings (issue #14, point 7): after a recommendation's action succeeds, the cost
 * imports that follow measure what the resource really costs against what it cost before.
 *
 * realized_savings holds one measurement per succeeded recommendation: the baseline (the
 * resource's mean daily effective cost over the days before the action that the account has
 * imported), the days imported after it, and the monthly rate they show, beside the estimate.
 * realized_savings_days holds each measured day's savings (baseline minus that day's cost), so
 * totals per account and month are sums of measured days, never extrapolations.
 *
 * resource_id has no foreign key: a deleted resource is the commonest saving, and its measurement
 * must outlive it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create table realized_savings (
        recommendation_id uuid primary key references recommendations (id) on delete cascade,
        organization_id uuid not null references organizations (id) on delete cascade,
        cloud_account_id uuid not null,
        resource_id uuid not null,
        acted_at timestamptz not null,
        status text not null default 'measuring' constraint realized_savings_status_check check (status in ('measuring', 'measured', 'no_baseline')),
        currency text,
        baseline_start date,
        baseline_end date,
        baseline_days integer not null default 0,
        baseline_daily numeric,
        after_days integer not null default 0,
        after_daily numeric,
        realized_savings numeric(20, 2),
        measured_through date,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index realized_savings_measuring_idx on realized_savings (organization_id, cloud_account_id, acted_at)`,
    sql`
      create trigger realized_savings_set_updated_at before update on realized_savings
        for each row execute function set_updated_at()
    `,
    sql`
      create table realized_savings_days (
        recommendation_id uuid not null references realized_savings (recommendation_id) on delete cascade,
        day date not null,
        organization_id uuid not null references organizations (id) on delete cascade,
        cloud_account_id uuid not null,
        currency text not null,
        cost numeric not null,
        savings numeric not null,
        primary key (recommendation_id, day)
      )
    `,
    sql`create index realized_savings_days_account_day_idx on realized_savings_days (organization_id, cloud_account_id, day)`,
    ...['realized_savings', 'realized_savings_days'].flatMap((table) => [
      sql`alter table ${sql.table(table)} enable row level security`,
      sql`
        create policy tenant_isolation on ${sql.table(table)} for all
          using (organization_id = stratus_current_organization())
          with check (organization_id = stratus_current_organization())
      `,
      sql`grant select on ${sql.table(table)} to stratus_service`,
      sql`grant insert, update, delete on ${sql.table(table)} to stratus_recommendation`,
    ]),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [sql`drop table if exists realized_savings_days`, sql`drop table if exists realized_savings`]);
}
