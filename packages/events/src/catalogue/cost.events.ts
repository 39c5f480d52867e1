import { z } from 'zod';
import { defineEvent } from './event-definition.ts';
import { currency, day, decimal, id, provider, tags, timestamp } from './fields.ts';

/** One cost line, named after the FinOps FOCUS columns (snake_case). */
const costRow = z.object({
  charge_period_start: timestamp,
  charge_period_end: timestamp,
  billed_cost: decimal,
  effective_cost: decimal,
  list_cost: decimal,
  currency,
  service_name: z.string(),
  service_category: z.string(),
  region_id: z.string().optional(),
  /** Our resource uuid, when the line could be matched to the inventory. */
  resource_id: id.optional(),
  provider_resource_id: z.string().optional(),
  sub_account_id: z.string().optional(),
  charge_category: z.enum(['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']),
  tags,
  granularity: z.enum(['hourly', 'daily', 'monthly']),
});

export const costIngested = defineEvent({
  type: 'cost.ingested',
  version: 1,
  description:
    'One batch of cost lines of an import. An import of one account and period is split into `batch.count` events (batch.index 0..count-1) that share import_id; a consumer knows the import is complete when it has seen every index. Keep a batch to about 1,000 rows (an event must stay under the size limit).',
  subject: 'cloud_account_id (one account\'s batches stay in order)',
  schema: z
    .object({
      import_id: id,
      cloud_account_id: id,
      provider,
      period: z.object({ start: timestamp, end: timestamp }),
      batch: z.object({ index: z.int().nonnegative(), count: z.int().positive() }),
      rows: z.array(costRow),
    })
    .refine((data) => data.batch.index < data.batch.count, {
      error: 'batch.index must be below batch.count',
      path: ['batch', 'index'],
    }),
  subjectOf: (data) => data.cloud_account_id,
});

export const costAggregated = defineEvent({
  type: 'cost.aggregated',
  version: 1,
  description: 'The daily total of one cloud account was (re)computed, by service, in one currency.',
  subject: 'cloud_account_id',
  schema: z.object({
    cloud_account_id: id,
    day,
    currency,
    total: decimal,
    by_service: z.record(z.string(), decimal),
    /** The previous day's total, for day-over-day deltas. */
    previous_total: decimal.optional(),
  }),
  subjectOf: (data) => data.cloud_account_id,
});
