import { z } from 'zod';
import { REPORT_RUN_TRIGGERS, REPORT_TYPES } from '@stratus/db';
import { defineEvent } from './event-definition.ts';
import { id, timestamp } from './fields.ts';

export const reportGenerated = defineEvent({
  type: 'report.generated',
  description:
    'A run of a scheduled report (or one requested with POST /v1/reports/:id/run) wrote its CSV and its HTML summary to ' +
    "the bucket. The links are signed and stop working at expires_at; the audit service sends them to the report's " +
    'channels (read from the report: addresses never travel in events).',
  subject: 'report_id',
  schema: z.object({
    report_id: id,
    run_id: id,
    report_name: z.string(),
    report_type: z.enum(REPORT_TYPES),
    trigger: z.enum(REPORT_RUN_TRIGGERS),
    /** Rows of the CSV. */
    rows: z.number().int().nonnegative(),
    csv_url: z.url(),
    html_url: z.url(),
    expires_at: timestamp,
  }),
  subjectOf: (data) => data.report_id,
});
