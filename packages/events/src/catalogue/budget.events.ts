import { z } from 'zod';
import { BUDGET_THRESHOLD_TYPES } from '@stratus/db';
import { defineEvent } from './event-definition.ts';
import { currency, day, decimal, id } from './fields.ts';

export const budgetThresholdCrossed = defineEvent({
  type: 'budget.threshold_crossed',
  description:
    'Spend of a budget period (actual, or forecast to the end of the period) reached one alert threshold of the budget. ' +
    'Published at most once per alert and budget period, when the cost service first sees the threshold reached ' +
    '(after a cost import changed the period\'s spend, or when the budget or alert is created or changed). ' +
    'Actual: spend × 100 / budget_amount ≥ threshold. Forecast (current period only): the same with the forecast, ' +
    "by the rule of the cost service's GET /v1/costs/forecast: the spend of the period's days before today, through " +
    'the last one with a cost line (elapsed days counted from the first day of the period), plus that spend / elapsed days × ' +
    "the period's days after it; today's lines, still arriving, are not extrapolated, and before any such day there is no " +
    'forecast to judge. Periods are calendar months, quarters or years, ' +
    "clipped to the budget's start and end dates; period_start and period_end are both inclusive.",
  subject: 'budget_id',
  schema: z.object({
    budget_id: id,
    budget_name: z.string(),
    /** The alert whose threshold was crossed. */
    budget_alert_id: id.optional(),
    /** A percentage of the budget amount, e.g. "80" or "100.5". */
    threshold: decimal,
    threshold_type: z.enum(BUDGET_THRESHOLD_TYPES),
    period_start: day,
    /** The period's last day, inclusive. */
    period_end: day,
    /** Spend so far in the period. */
    spend: decimal,
    /** Spend forecast to the end of the period, when the period is the current one and has a billed day before today. */
    forecast: decimal.optional(),
    budget_amount: decimal,
    currency,
  }),
  subjectOf: (data) => data.budget_id,
});
