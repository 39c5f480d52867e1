import { sql, type Kysely } from 'kysely';
import { execute, keepUpdatedAt, tenantIsolation } from './foundation/ddl.ts';

/**
 * Scheduled reports (issue #19, point 4), owned by the cost service: a definition (what to report,
 * on which cron in which time zone, to which channels) and its runs, each with its outcome and the
 * objects it wrote to the bucket. The audit service reads a report's channels when it delivers
 * report.generated (addresses never travel in events), as it reads a budget alert's.
 * stratus_enabled_reports is what the cost service's scheduler sync reads across every organisation
 * (its role sees one at a time), to put back job schedulers Redis lost.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create table reports (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name text not null,
        report_type text not null
          constraint reports_report_type_check
          check (report_type in ('cost_breakdown', 'showback', 'open_recommendations', 'realized_savings')),
        parameters jsonb not null default '{}',
        cron text not null,
        timezone text not null default 'UTC',
        notification_channels jsonb not null default '[]',
        enabled boolean not null default true,
        created_by uuid references users (id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index reports_organization_idx on reports (organization_id)`,
    ...tenantIsolation('reports'),
    keepUpdatedAt('reports'),
    sql`
      create table report_runs (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        report_id uuid not null references reports (id) on delete cascade,
        trigger text not null constraint report_runs_trigger_check check (trigger in ('schedule', 'manual')),
        job_key text not null,
        status text not null default 'running'
          constraint report_runs_status_check check (status in ('running', 'succeeded', 'failed')),
        rows integer,
        csv_key text,
        html_key text,
        error text,
        started_at timestamptz not null default now(),
        finished_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index report_runs_report_idx on report_runs (report_id, started_at desc)`,
    // One run per job: a retried or redelivered job finds its run rather than starting another.
    sql`create unique index report_runs_report_job_idx on report_runs (report_id, job_key)`,
    ...tenantIsolation('report_runs'),
    keepUpdatedAt('report_runs'),
    sql`grant select on reports, report_runs to stratus_service`,
    sql`grant insert, update, delete on reports, report_runs to stratus_cost`,
    sql`
      create function stratus_enabled_reports(after_id uuid, max_rows integer)
      returns table (id uuid, organization_id uuid, cron text, timezone text)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select r.id, r.organization_id, r.cron, r.timezone
          from public.reports r
         where r.enabled and (after_id is null or r.id > after_id)
         order by r.id
         limit max_rows
      $$
    `,
    sql`revoke all on function stratus_enabled_reports(uuid, integer) from public`,
    sql`grant execute on function stratus_enabled_reports(uuid, integer) to stratus_cost`,
    sql`alter table notification_preferences drop constraint notification_preferences_notification_type_check`,
    sql`
      alter table notification_preferences add constraint notification_preferences_notification_type_check
        check (notification_type in ('budget_alert', 'approval_requested', 'action_failed', 'recommendation_high_savings', 'workflow', 'report'))
    `,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`delete from notification_preferences where notification_type = 'report'`,
    sql`alter table notification_preferences drop constraint notification_preferences_notification_type_check`,
    sql`
      alter table notification_preferences add constraint notification_preferences_notification_type_check
        check (notification_type in ('budget_alert', 'approval_requested', 'action_failed', 'recommendation_high_savings', 'workflow'))
    `,
    sql`drop function if exists stratus_enabled_reports(uuid, integer)`,
    sql`drop table if exists report_runs`,
    sql`drop table if exists reports`,
  ]);
}
