import { sql, type Kysely, type Transaction } from 'kysely';
import { withTenant, type Database } from '@stratus/db';
import type { Outbox } from '@stratus/events';
import { AppError } from '@stratus/http';
import type { ObjectStore } from '@stratus/object-store';
import { InvalidScheduleError, nextRuns, syncSchedulers, type JobPayload, type Queues } from '@stratus/queues';
import { reportContent } from './report-content.ts';
import { renderCsv, renderHtml } from './report-render.ts';
import { finishRun, findReport, insertReport, runOfJob, updateReport, type ReportRow } from './reports.repository.ts';
import { reportParameters, type CreateReportBody, type UpdateReportBody } from './reports.schemas.ts';

/** Where a report's objects live in the bucket: under the lifecycle rule's prefix, one folder per report. */
export const REPORTS_PREFIX = 'reports/';

const SCHEDULER_PREFIX = 'report:';
const schedulerIdOf = (reportId: string) => `${SCHEDULER_PREFIX}${reportId}`;
const reportIdOf = (schedulerId: string) => (schedulerId.startsWith(SCHEDULER_PREFIX) ? schedulerId.slice(SCHEDULER_PREFIX.length) : undefined);

export function nextRunsOf(report: Pick<ReportRow, 'cron' | 'timezone' | 'enabled'>, count = 3): Date[] {
  return report.enabled ? nextRuns({ pattern: report.cron, tz: report.timezone }, new Date(), count) : [];
}

export function withNextRuns(report: ReportRow) {
  return { ...report, next_runs: nextRunsOf(report) };
}

/** A cron and time zone that BullMQ can place, or a 400 naming the field. */
function checkSchedule(schedule: { cron: string; timezone: string }): void {
  try {
    nextRuns({ pattern: schedule.cron, tz: schedule.timezone }, new Date(), 1);
  } catch (error) {
    if (!(error instanceof InvalidScheduleError)) throw error;
    const field = error.message.startsWith('unknown time zone') ? 'timezone' : 'cron';
    throw new AppError('invalid', `body.${field}: ${error.message}`);
  }
}

export async function changeReport(trx: Transaction<Database>, id: string, body: UpdateReportBody) {
  const report = await findReport(trx, id);
  if (!report) throw new AppError('not_found', `report ${id} not found`);
  checkSchedule({ cron: body.cron ?? report.cron, timezone: body.timezone ?? report.timezone });
  return (await updateReport(trx, id, body))!;
}

export async function createReport(trx: Transaction<Database>, context: { organizationId: string; userId: string | null }, body: CreateReportBody) {
  checkSchedule(body);
  const { report_type, ...parameters } = body.parameters;
  return insertReport(trx, {
    organization_id: context.organizationId,
    name: body.name,
    report_type,
    parameters,
    cron: body.cron,
    timezone: body.timezone,
    notification_channels: body.notification_channels,
    enabled: body.enabled,
    created_by: context.userId,
  });
}

/**
 * Makes the report's job scheduler follow it: an enabled report has one, keyed by its id, a
 * disabled or deleted one none. Called after the report's transaction commits.
 */
export async function syncReportSchedule(queues: Pick<Queues, 'schedule' | 'unschedule'>, report: Pick<ReportRow, 'id' | 'organization_id' | 'cron' | 'timezone' | 'enabled'> | { id: string; enabled: false }) {
  if (report.enabled) {
    await queues.schedule(schedulerIdOf(report.id), 'report.run', { report_id: report.id, organization_id: report.organization_id, trigger: 'schedule' }, { pattern: report.cron, tz: report.timezone });
  } else {
    await queues.unschedule('reports', schedulerIdOf(report.id));
  }
}

/** One pass: every enabled report has its job scheduler, and no deleted or disabled one keeps one. */
export async function syncReportSchedulers(db: Kysely<Database>, queues: Pick<Queues, 'schedule' | 'unschedule' | 'schedulerIds'>) {
  return syncSchedulers({
    scheduled: (await queues.schedulerIds('reports')).flatMap((id) => reportIdOf(id) ?? []),
    page: async (after, pageSize) =>
      (
        await sql<{ id: string; organization_id: string; cron: string; timezone: string }>`
          select id, organization_id, cron, timezone from stratus_enabled_reports(${after}::uuid, ${pageSize}::integer)
        `.execute(db)
      ).rows,
    schedule: (report) => syncReportSchedule(queues, { ...report, enabled: true }),
    unschedule: (id) => syncReportSchedule(queues, { id, enabled: false }),
  });
}

export interface ReportRunDeps {
  db: Kysely<Database>;
  outbox: Outbox;
  objects: () => ObjectStore;
  rawRetentionMonths: number;
  /** How long the links sent to the report's channels work. */
  linkExpirySeconds: number;
  now?: () => Date;
}

export type ReportRunOutcome = { status: 'skipped'; reason: string } | { status: 'done'; run_id: string; rows: number };

/**
 * One run of a report under one job: its run row is made (or found again, by a retry) and committed
 * first, so the run shows while it works; the CSV and HTML go to the bucket under the run's id (a
 * retry overwrites them); the run is marked succeeded and report.generated written to the outbox in
 * one transaction. A run already succeeded is skipped, so a redelivered job publishes nothing twice.
 */
export async function runReport(deps: ReportRunDeps, payload: JobPayload<'report.run'>, jobKey: string): Promise<ReportRunOutcome> {
  const scoped = <T>(fn: (trx: Transaction<Database>) => Promise<T>) => withTenant(deps.db, payload.organization_id, fn);
  const started = await scoped(async (trx) => {
    const report = await findReport(trx, payload.report_id);
    if (!report) return { skipped: `report ${payload.report_id} no longer exists` };
    if (payload.trigger === 'schedule' && !report.enabled) return { skipped: `report ${report.id} is disabled` };
    const run = await runOfJob(trx, report, jobKey, payload.trigger);
    if (run.status === 'succeeded') return { skipped: `run ${run.id} already succeeded` };
    return { report, run };
  });
  if ('skipped' in started) return { status: 'skipped', reason: started.skipped! };
  const { report, run } = started;
  const now = deps.now?.() ?? new Date();
  const store = deps.objects();
  const parameters = reportParameters.parse({ ...report.parameters, report_type: report.report_type });
  const content = await scoped((trx) => reportContent(trx, parameters, { now, rawRetentionMonths: deps.rawRetentionMonths }));
  const base = `${REPORTS_PREFIX}${report.organization_id}/${report.id}/${run.id}`;
  const [csvKey, htmlKey] = [`${base}.csv`, `${base}.html`];
  await store.put(csvKey, renderCsv(content), { contentType: 'text/csv; charset=utf-8' });
  await store.put(htmlKey, renderHtml(content, { name: report.name, generatedAt: now }), { contentType: 'text/html; charset=utf-8' });
  const [csvUrl, htmlUrl] = await Promise.all([store.signedUrl(csvKey, deps.linkExpirySeconds), store.signedUrl(htmlKey, deps.linkExpirySeconds)]);
  await scoped(async (trx) => {
    await finishRun(trx, run.id, { status: 'succeeded', rows: content.rows.length, csv_key: csvKey, html_key: htmlKey });
    await deps.outbox.publish(trx, 'report.generated', {
      tenant: report.organization_id,
      data: {
        report_id: report.id,
        run_id: run.id,
        report_name: report.name,
        report_type: report.report_type,
        trigger: payload.trigger,
        rows: content.rows.length,
        csv_url: csvUrl,
        html_url: htmlUrl,
        expires_at: new Date(now.getTime() + deps.linkExpirySeconds * 1000).toISOString(),
      },
    });
  });
  return { status: 'done', run_id: run.id, rows: content.rows.length };
}

/** The last attempt failed: the run says why (the job's own error goes to the queue). */
export async function recordFailedRun(db: Kysely<Database>, payload: JobPayload<'report.run'>, jobKey: string, error: string): Promise<void> {
  await withTenant(db, payload.organization_id, async (trx) => {
    const report = await findReport(trx, payload.report_id);
    if (!report) return;
    const run = await runOfJob(trx, report, jobKey, payload.trigger);
    if (run.status !== 'succeeded') await finishRun(trx, run.id, { status: 'failed', error });
  });
}
