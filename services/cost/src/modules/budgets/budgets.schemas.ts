import { z } from 'zod';
import { BUDGET_PERIODS, BUDGET_THRESHOLD_TYPES, CLOUD_PROVIDERS, rowSchema } from '@stratus/db';
import { day as isoDay, notificationChannel, pageQuery, text } from '@stratus/http';

const provider = z.enum(CLOUD_PROVIDERS);
const day = isoDay.describe('YYYY-MM-DD (UTC)');
const values = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(100);

/**
 * Which spend counts against a budget. Every given filter must match (AND); within one filter any
 * value matches (OR). Spend is read from the daily rollups, so a filter is accepted only when the
 * rollups can answer it exactly: the tag rollups know no region, and hold each tag on its own.
 */
export const budgetFilters = z
  .strictObject({
    providers: values(provider).optional(),
    cloud_account_ids: values(z.uuid()).optional(),
    services: values(text({ min: 1, max: 256 })).optional().describe('service names as billed, e.g. "AmazonEC2"'),
    regions: values(text({ min: 1, max: 256 })).optional(),
    tags: z
      .record(text({ min: 1, max: 512 }), text({ max: 512 }))
      .optional()
      .describe('one tag key and value, e.g. {"team": "data"}: only lines carrying it count'),
  })
  .superRefine((filters, ctx) => {
    const tags = Object.keys(filters.tags ?? {}).length;
    if (filters.tags !== undefined && tags !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['tags'],
        message: `must hold exactly one tag (got ${tags}): spend is summed per tag, so lines carrying several given tags at once cannot be told apart`,
      });
    }
    if (filters.tags !== undefined && filters.regions !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['regions'],
        message: 'cannot be combined with tags: spend per tag is not kept per region; use one of the two filters',
      });
    }
  });

export type BudgetFilters = z.infer<typeof budgetFilters>;

/** numeric(20, 6): up to 14 digits before the point and 6 after. */
const MAX_AMOUNT = 99_999_999_999_999;
const amount = z
  .union(
    [
      z.number().min(0).max(MAX_AMOUNT),
      z.string().regex(/^\d{1,14}(\.\d{1,6})?$/, 'must be a non-negative decimal with at most 14 digits before the point and 6 after'),
    ],
    { error: 'must be a non-negative decimal (a number, or a string like "1500.00") with at most 14 digits before the point and 6 after' },
  )
  .transform((value) => (typeof value === 'number' ? value.toFixed(6) : value))
  .describe('the budget per period, e.g. "1500.00" (a number is accepted too)');

const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 currency code, e.g. "USD"')
  .transform((code) => code.toUpperCase())
  .describe('ISO 4217; only spend billed in this currency counts');

const name = text({ max: 200 }).trim().min(1);

const endAfterStart = (body: { start_date?: string | undefined; end_date?: string | null | undefined }) =>
  !body.start_date || !body.end_date || body.end_date >= body.start_date;
const endAfterStartError = { error: 'end_date must be on or after start_date', path: ['end_date'] };

export const createBudgetBody = z
  .object({
    name,
    amount,
    currency,
    period: z.enum(BUDGET_PERIODS).describe('calendar months, quarters (from Jan, Apr, Jul, Oct) or years'),
    start_date: day.optional().describe('the first day counted; the start of the current period when absent'),
    end_date: day.nullable().optional().describe('the last day counted; the budget runs on when absent'),
    filters: budgetFilters.optional().describe('all spend in the currency when absent'),
  })
  .refine(endAfterStart, endAfterStartError);
export type CreateBudgetInput = z.infer<typeof createBudgetBody>;

/** A PATCH body: every field optional, and at least one given. */
function changes<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).refine((body) => Object.values(body).some((value) => value !== undefined), {
    error: `give at least one of ${Object.keys(shape).join(', ')}`,
  });
}

export const updateBudgetBody = changes({
  name: name.optional(),
  amount: amount.optional(),
  currency: currency.optional(),
  period: z.enum(BUDGET_PERIODS).optional(),
  start_date: day.optional(),
  end_date: day.nullable().optional().describe('null: the budget runs on'),
  filters: budgetFilters.optional().describe('replaces the current filters; {} counts all spend'),
}).refine(endAfterStart, endAfterStartError);
export type UpdateBudgetInput = z.infer<typeof updateBudgetBody>;

export const listBudgetsQuery = pageQuery;
export const budgetParams = z.object({ id: z.uuid() });
export const alertParams = z.object({ id: z.uuid(), alertId: z.uuid() });

const notificationChannels = z
  .array(notificationChannel)
  .min(1)
  .max(10)
  .describe(
    'where the alert is announced; an in-app notification is always created. Email, webhook and Slack deliveries are retried ' +
      'with backoff and their outcome is listed with the notification (GET /v1/notifications of the audit service)',
  );

const threshold = z
  .number()
  .positive()
  .max(999.99)
  .multipleOf(0.01)
  .describe('percent of the budget amount, e.g. 80, 100 or 120 (2 decimals at most)');

const thresholdType = z
  .enum(BUDGET_THRESHOLD_TYPES)
  .describe('"actual": spend so far reached the threshold; "forecast": spend forecast to the end of the period did');

export const createAlertBody = z.object({
  threshold,
  threshold_type: thresholdType.default('actual'),
  notification_channels: notificationChannels.default([{ type: 'in_app' }]),
});
export type CreateAlertInput = z.infer<typeof createAlertBody>;

export const updateAlertBody = changes({
  threshold: threshold.optional(),
  threshold_type: thresholdType.optional(),
  notification_channels: notificationChannels.optional(),
});
export type UpdateAlertInput = z.infer<typeof updateAlertBody>;

export const alertSchema = rowSchema('budget_alerts', {
  id: z.uuid(),
  budget_id: z.uuid(),
  threshold: z.number().describe('percent of the budget amount'),
  threshold_type: z.enum(BUDGET_THRESHOLD_TYPES),
  notification_channels: z.array(notificationChannel),
  last_fired_at: z.date().nullable().describe('when budget.threshold_crossed last went out for this alert'),
  created_at: z.date(),
  updated_at: z.date(),
});
export type Alert = z.infer<typeof alertSchema>;

const budgetFields = {
  id: z.uuid(),
  name: z.string(),
  amount: z.string().describe('per period'),
  currency: z.string(),
  period: z.enum(BUDGET_PERIODS),
  start_date: z.string(),
  end_date: z.string().nullable(),
  filters: z.record(z.string(), z.unknown()),
  created_by: z.uuid().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
};
export const budgetSchema = rowSchema('budgets', budgetFields);
export type Budget = z.infer<typeof budgetSchema>;

export const currentPeriodSchema = z.object({
  start: z.string().describe('first day of the period'),
  end: z.string().describe('last day of the period, inclusive'),
  spend: z.string().describe('spend so far, in the budget currency'),
  forecast: z
    .string()
    .nullable()
    .describe(
      "spend forecast to the period's end by the rule of GET /v1/costs/forecast: the spend of the days before today, through " +
        'the last with a cost line, extrapolated at its average daily spend; null before such a day',
    ),
  percent_used: z.number().nullable().describe('spend as a percentage of the amount; null for a budget of 0'),
  forecast_percent: z.number().nullable().describe('forecast as a percentage of the amount; null without a forecast'),
});
export type CurrentPeriod = z.infer<typeof currentPeriodSchema>;

export const budgetDetailSchema = rowSchema('budgets', {
  ...budgetFields,
  current_period: currentPeriodSchema.nullable().describe("null when today is outside the budget's dates"),
  alerts: z.array(alertSchema),
});
export type BudgetDetail = z.infer<typeof budgetDetailSchema>;
