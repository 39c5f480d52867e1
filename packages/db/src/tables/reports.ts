import type { ColumnsOf, Generated, GeneratedJsonb, GeneratedTimestamp, Jsonb, JsonObject, NullableTimestamp } from './column-types.ts';
import type { DeliveryChannel } from './notification-deliveries.ts';
import type { ReportRunStatus, ReportRunTrigger, ReportType } from './enums.ts';

/** A scheduled report of the cost service (migration Reports). */
export interface ReportsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  report_type: ReportType;
  /** What the type reports on: group_by, filters and period for costs, a tag key for showback. */
  parameters: GeneratedJsonb<JsonObject>;
  /** Five-field cron, read in `timezone` (an IANA name). */
  cron: string;
  timezone: Generated<string>;
  /** Where each run's link is sent: read by the audit service when it delivers report.generated. */
  notification_channels: Jsonb<DeliveryChannel[]>;
  enabled: Generated<boolean>;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** One run of a report: its outcome and the objects it wrote. */
export interface ReportRunsTable {
  id: Generated<string>;
  organization_id: string;
  report_id: string;
  trigger: ReportRunTrigger;
  /** The queue job that runs it (its scheduler's tick, or the request's id). */
  job_key: string;
  status: Generated<ReportRunStatus>;
  rows: number | null;
  csv_key: string | null;
  html_key: string | null;
  error: string | null;
  started_at: GeneratedTimestamp;
  finished_at: NullableTimestamp;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface ReportTables {
  reports: ReportsTable;
  report_runs: ReportRunsTable;
}

export const reportColumns: ColumnsOf<ReportTables> = {
  reports: {
    id: 'not null',
    organization_id: 'not null',
    name: 'not null',
    report_type: 'not null',
    parameters: 'not null',
    cron: 'not null',
    timezone: 'not null',
    notification_channels: 'not null',
    enabled: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  report_runs: {
    id: 'not null',
    organization_id: 'not null',
    report_id: 'not null',
    trigger: 'not null',
    job_key: 'not null',
    status: 'not null',
    rows: 'null',
    csv_key: 'null',
    html_key: 'null',
    error: 'null',
    started_at: 'not null',
    finished_at: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};
