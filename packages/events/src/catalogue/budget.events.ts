import { z } from 'zod';
import { defineEvent } from './event-definition.ts';
import { currency, day, decimal, id } from './fields.ts';

export const budgetThresholdCrossed = defineEvent({
  type: 'budget.threshold_crossed',
  version: 1,
  description: 'Spend (actual, or forecast to the end of the period) crossed one alert threshold of a budget.',
  subject: 'budget_id',
  schema: z.object({
    budget_id: id,
    budget_name: z.string(),
    /** A percentage of the budget amount, e.g. "80" or "100.5". */
    threshold: decimal,
    threshold_type: z.enum(['actual', 'forecast']),
    period_start: day,
    period_end: day,
    spend: decimal,
    budget_amount: decimal,
    currency,
  }),
  subjectOf: (data) => data.budget_id,
});
