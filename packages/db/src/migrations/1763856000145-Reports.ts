import { sql, type Kysely } from 'kysely';
import { execute, keepUpdatedAt, tenantIsolation } from './foundation/ddl.ts';

/**
 * Scheduled reports (issue #19, point 4), owned by the cost service: a definition (what to report,
 * on which cron in which time zone, to which channels) and its runs, each with its outcome and the
 * objects it wrote to the bucket. The audit service reads a report's channels when it delivers
 * report.generated (addresses never travel in events), as it reads a budget alert's.
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
    sql`drop table if exists report_runs`,
    sql`drop table if exists reports`,
  ]);
}
