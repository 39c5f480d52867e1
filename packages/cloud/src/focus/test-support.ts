import { z } from 'zod';
import type { FocusCostRow } from '../adapter.ts';
import type { FocusBatch, FocusRowError } from './index.ts';

/** Reads a whole file's batches; checks that only the last carries the summary and that the counts add up. */
export async function collect(batches: AsyncIterable<FocusBatch>) {
  const all: FocusBatch[] = [];
  for await (const batch of batches) all.push(batch);
  const rows: FocusCostRow[] = all.flatMap((batch) => batch.rows);
  const errors: FocusRowError[] = all.flatMap((batch) => batch.errors);
  const summary = all.at(-1)?.summary;
  if (all.slice(0, -1).some((batch) => batch.summary)) throw new Error('a batch before the last has a summary');
  if (!summary || summary.valid !== rows.length || summary.rejected !== errors.length || summary.rows !== rows.length + errors.length) {
    throw new Error(`the summary ${JSON.stringify(summary)} does not match ${rows.length} rows and ${errors.length} errors`);
  }
  return { rows, errors, batches: all, summary };
}

/**
 * What the cost.ingested event requires of a row (packages/events/src/catalogue/cost.events.ts),
 * restated here because this package does not depend on the events package.
 */
export const eventRow = z.strictObject({
  // Read for routing a billing account's file; cost.ingested leaves them out (its rows are of one account).
  provider_name: z.string().optional(),
  sub_account_name: z.string().optional(),
  charge_period_start: z.iso.datetime({ offset: true }),
  charge_period_end: z.iso.datetime({ offset: true }),
  billed_cost: z.string().regex(/^-?\d+(\.\d+)?$/),
  effective_cost: z.string().regex(/^-?\d+(\.\d+)?$/),
  list_cost: z.string().regex(/^-?\d+(\.\d+)?$/),
  currency: z.string().regex(/^[A-Z]{3}$/),
  service_name: z.string(),
  service_category: z.string(),
  region_id: z.string().optional(),
  provider_resource_id: z.string().optional(),
  sub_account_id: z.string().optional(),
  charge_category: z.enum(['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']),
  tags: z.record(z.string(), z.string()),
  granularity: z.enum(['hourly', 'daily', 'monthly']),
});
