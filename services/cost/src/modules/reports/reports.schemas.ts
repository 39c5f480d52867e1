import { z } from 'zod';
import { CLOUD_PROVIDERS, REPORT_RUN_STATUSES, REPORT_RUN_TRIGGERS, REPORT_TYPES, rowSchema } from '@stratus/db';
import { deliveryChannel, pageQuery, text } from '@stratus/http';
import { dimension } from '../costs/costs.schemas.ts';

export const REPORT_PERIODS = ['last_month', 'month_to_date', 'last_7_days', 'last_30_days'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

const period = z.enum(REPORT_PERIODS).default('last_month').describe('the days each run covers, counted back from the run (UTC)');
const value = text({ min: 1, max: 1_024 });

const costBreakdown = z.strictObject({
  group_by: z.array(dimension).max(3).default(['service']).describe('provider, account, service, region, resource or tag:<key>'),
  filters: z
    .strictObject({
      provider: z.enum(CLOUD_PROVIDERS).optional(),
      account: z.uuid().optional().describe('a linked cloud account (its id in Stratus)'),
      service: value.optional(),
      region: value.optional(),
      tags: z.record(text({ min: 1, max: 512 }), text({ max: 512 })).optional().describe('key → value; lines must carry every pair'),
    })
    .default({}),
  period,
});
const showback = z.strictObject({
  tag_key: text({ min: 1, max: 512 }).default('team').describe('the tag whose values are charged: team, cost-center, ...'),
  period,
});
const savings = z.strictObject({ period });
const none = z.strictObject({});

/** A report's type and what it reports on, checked together. */
export const reportParameters = z.discriminatedUnion('report_type', [
  z.strictObject({ report_type: z.literal('cost_breakdown'), ...costBreakdown.shape }),
  z.strictObject({ report_type: z.literal('showback'), ...showback.shape }),
  z.strictObject({ report_type: z.literal('open_recommendations'), ...none.shape }),
  z.strictObject({ report_type: z.literal('realized_savings'), ...savings.shape }),
]);
export type ReportParameters = z.infer<typeof reportParameters>;

const PARAMETERS_OF = { cost_breakdown: costBreakdown, showback, open_recommendations: none, realized_savings: savings } as const;

export const createReportBody = z
  .object({
    name: text({ max: 200 }).trim().min(1),
    report_type: z.enum(REPORT_TYPES).describe('cost_breakdown, showback (spend per team or tag value), open_recommendations or realized_savings'),
    parameters: z
      .record(z.string(), z.unknown())
      .default({})
      .describe(
        'cost_breakdown: {group_by, filters, period}; showback: {tag_key, period}; realized_savings: {period}; open_recommendations: {}. ' +
          `period is one of ${REPORT_PERIODS.join(', ')}`,
      ),
    cron: text({ min: 1, max: 100 }).describe('5 fields (minute hour day-of-month month day-of-week), e.g. "0 8 1 * *"'),
    timezone: text({ min: 1, max: 64 }).default('UTC').describe('IANA zone the cron reads its wall clock in, e.g. Europe/Paris'),
    notification_channels: z.array(deliveryChannel).max(20).default([]).describe("where each run's links are sent (email, webhook, slack)"),
    enabled: z.boolean().default(true),
  })
  .transform((body, ctx) => {
    const parsed = PARAMETERS_OF[body.report_type].safeParse(body.parameters);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['parameters', ...issue.path] } as never);
      return z.NEVER;
    }
    return { ...body, parameters: { report_type: body.report_type, ...parsed.data } as ReportParameters };
  });
export type CreateReportBody = z.output<typeof createReportBody>;

export const updateReportBody = z
  .object({
    name: text({ max: 200 }).trim().min(1).optional(),
    cron: text({ min: 1, max: 100 }).optional(),
    timezone: text({ min: 1, max: 64 }).optional(),
    notification_channels: z.array(deliveryChannel).max(20).optional(),
    enabled: z.boolean().optional().describe('false stops its scheduled runs (a run can still be asked for)'),
  })
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change');
export type UpdateReportBody = z.output<typeof updateReportBody>;

export const reportParams = z.object({ id: z.uuid() });
export const listReportsQuery = pageQuery;

export const reportSchema = rowSchema('reports', {
  id: z.uuid(),
  name: z.string(),
  report_type: z.enum(REPORT_TYPES),
  parameters: z.record(z.string(), z.unknown()),
  cron: z.string(),
  timezone: z.string(),
  notification_channels: z.array(deliveryChannel),
  enabled: z.boolean(),
  created_by: z.uuid().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
  next_runs: z.array(z.date()).describe('the next three cron ticks (empty when disabled)'),
});

export const reportRunSchema = rowSchema('report_runs', {
  id: z.uuid(),
  report_id: z.uuid(),
  trigger: z.enum(REPORT_RUN_TRIGGERS),
  status: z.enum(REPORT_RUN_STATUSES),
  rows: z.number().int().nullable(),
  csv_key: z.string().nullable().describe('where the CSV is in the bucket'),
  html_key: z.string().nullable().describe('where the HTML summary is in the bucket'),
  error: z.string().nullable(),
  started_at: z.date(),
  finished_at: z.date().nullable(),
});
