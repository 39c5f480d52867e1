import type { Transaction } from 'kysely';
import { newestFirst, type Database, type DeliveryChannel, type JsonObject, type KeysetCursor, type ReportRunTrigger, type ReportType } from '@stratus/db';

/** Every function runs in the caller's tenant transaction: row-level security scopes it to one organisation. */
type Trx = Transaction<Database>;

const REPORT_COLUMNS = [
  'id',
  'organization_id',
  'name',
  'report_type',
  'parameters',
  'cron',
  'timezone',
  'notification_channels',
  'enabled',
  'created_by',
  'created_at',
  'updated_at',
] as const;

const RUN_COLUMNS = ['id', 'report_id', 'trigger', 'status', 'rows', 'csv_key', 'html_key', 'error', 'started_at', 'finished_at'] as const;

export type ReportRow = NonNullable<Awaited<ReturnType<typeof findReport>>>;

export function findReport(trx: Trx, id: string) {
  return trx.selectFrom('reports').select(REPORT_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export function listReports(trx: Trx, limit: number, after?: KeysetCursor) {
  return trx.selectFrom('reports').select(REPORT_COLUMNS).$call(newestFirst(after, limit)).execute();
}

export interface ReportValues {
  organization_id: string;
  name: string;
  report_type: ReportType;
  parameters: JsonObject;
  cron: string;
  timezone: string;
  notification_channels: DeliveryChannel[];
  enabled: boolean;
  created_by: string | null;
}

export function insertReport(trx: Trx, values: ReportValues) {
  return trx
    .insertInto('reports')
    .values({ ...values, parameters: JSON.stringify(values.parameters), notification_channels: JSON.stringify(values.notification_channels) })
    .returning(REPORT_COLUMNS)
    .executeTakeFirstOrThrow();
}

export function updateReport(trx: Trx, id: string, changes: Partial<Pick<ReportValues, 'name' | 'cron' | 'timezone' | 'notification_channels' | 'enabled'>>) {
  const { notification_channels, ...rest } = changes;
  return trx
    .updateTable('reports')
    .set({ ...rest, ...(notification_channels !== undefined ? { notification_channels: JSON.stringify(notification_channels) } : {}) })
    .where('id', '=', id)
    .returning(REPORT_COLUMNS)
    .executeTakeFirst();
}

export async function deleteReport(trx: Trx, id: string): Promise<boolean> {
  const result = await trx.deleteFrom('reports').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export function listRuns(trx: Trx, reportId: string, limit: number) {
  return trx.selectFrom('report_runs').select(RUN_COLUMNS).where('report_id', '=', reportId).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** The run of this job: made by its first attempt, found again by a retry. */
export async function runOfJob(trx: Trx, report: { id: string; organization_id: string }, jobKey: string, trigger: ReportRunTrigger) {
  await trx
    .insertInto('report_runs')
    .values({ organization_id: report.organization_id, report_id: report.id, job_key: jobKey, trigger })
    .onConflict((conflict) => conflict.columns(['report_id', 'job_key']).doNothing())
    .execute();
  return trx
    .selectFrom('report_runs')
    .select(RUN_COLUMNS)
    .where('report_id', '=', report.id)
    .where('job_key', '=', jobKey)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export async function finishRun(trx: Trx, id: string, outcome: { status: 'succeeded'; rows: number; csv_key: string; html_key: string } | { status: 'failed'; error: string }) {
  await trx.updateTable('report_runs').set({ ...outcome, finished_at: new Date() }).where('id', '=', id).execute();
}
