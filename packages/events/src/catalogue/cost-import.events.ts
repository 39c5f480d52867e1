import { z } from 'zod';
import { defineEvent } from './event-definition.ts';
import { id, timestamp } from './fields.ts';

/**
 * The cost store's answer to an import, for the service that recorded the import (ingestion): it
 * cannot write that service's table, so it states the fact and ingestion records it.
 */
export const costImportApplied = defineEvent({
  type: 'cost_import.applied',
  description:
    'The cost store applied an import (all its cost.ingested batches): its lines count in every total, and the lines it ' +
    'replaces (earlier imports of the account within the period) are gone. Published once per import, in the transaction that applied it.',
  subject: 'import_id',
  schema: z.object({
    import_id: id,
    cloud_account_id: id,
    /** Lines applied, as the final batch's summary counted them. */
    rows: z.int().nonnegative(),
    period: z.object({ start: timestamp, end: timestamp }),
    applied_at: timestamp,
  }),
  subjectOf: (data) => data.import_id,
});

export const costImportRefused = defineEvent({
  type: 'cost_import.refused',
  description:
    'The cost store refused an import for good (for example its period starts before the raw retention horizon): none of its ' +
    'lines count, and those already received are deleted. `reason` says why, in words for the person who imported.',
  subject: 'import_id',
  schema: z.object({
    import_id: id,
    cloud_account_id: id,
    reason: z.string().min(1).max(2_000),
    refused_at: timestamp,
  }),
  subjectOf: (data) => data.import_id,
});
