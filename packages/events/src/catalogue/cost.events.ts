import { z } from 'zod';
import { COST_GRANULARITIES, COST_IMPORT_SOURCES } from '@stratus/db';
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
  granularity: z.enum(COST_GRANULARITIES),
  /**
   * The provider still calls the amount an estimate (AWS Cost Explorer's `Estimated` periods); a
   * later import of the same period brings the final amount and replaces the line. Absent: final.
   */
  estimated: z.boolean().optional(),
});

const period = z.object({ start: timestamp, end: timestamp });

export const costIngested = defineEvent({
  type: 'cost.ingested',
  description:
    'One batch of cost lines of an import (a provider pull or an uploaded FOCUS file) of one cloud account. The batches of an import share import_id and are numbered from 0; the last has `batch.final` and a `summary`. A consumer applies the import once it holds batches 0..final: the import then REPLACES the account\'s cost lines within summary.period, so importing a period again never doubles it. Batches hold at most 1,000 rows (an event must stay under the size limit); only the final batch may be empty.',
  subject: "cloud_account_id (one account's batches stay in order)",
  schema: z
    .object({
      import_id: id,
      cloud_account_id: id,
      provider,
      source: z.enum(COST_IMPORT_SOURCES),
      batch: z.object({ index: z.int().nonnegative(), final: z.boolean() }),
      rows: z.array(costRow).max(1_000),
      /** On the final batch only: the whole import. */
      summary: z
        .object({
          batches: z.int().positive(),
          rows: z.int().nonnegative(),
          /** The half-open period the import covers and replaces. */
          period,
        })
        .optional(),
    })
    .refine((data) => data.batch.final === (data.summary !== undefined), {
      error: 'summary is given on the final batch, and only there',
      path: ['summary'],
    })
    .refine((data) => !data.summary || data.summary.batches === data.batch.index + 1, {
      error: 'summary.batches must be the final batch index + 1',
      path: ['summary', 'batches'],
    })
    .refine((data) => data.batch.final || data.rows.length > 0, {
      error: 'only the final batch may be empty',
      path: ['rows'],
    }),
  subjectOf: (data) => data.cloud_account_id,
});

export const costAggregated = defineEvent({
  type: 'cost.aggregated',
  description:
    "One cloud account's total for one UTC day and currency changed, because an import of its costs was applied: the day's new total and its split by service (service '' holds lines that name none). Emitted only for days whose total or split changed, so re-importing identical costs emits nothing; a day that lost all its lines reports total \"0\". The latest event of a day is the day's current total: upsert by (cloud_account_id, day, currency) rather than adding events up.",
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
