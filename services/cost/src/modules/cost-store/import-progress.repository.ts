import { sql, type Transaction } from 'kysely';
import type { Database } from '@stratus/db';
import type { EventData } from '@stratus/events';

type CostIngested = EventData<'cost.ingested'>;

export interface ImportProgress {
  import_id: string;
  organization_id: string;
  cloud_account_id: string;
  /** Distinct batches held so far. */
  received: number;
  /** Lines of those batches. */
  rows_received: number;
  batches: number | null;
  period_start: Date | null;
  period_end: Date | null;
}

/**
 * Records that the import holds this batch. Returns the import's progress, or undefined when the
 * batch was already recorded (a re-publication under a new event id) or the import is no longer
 * receiving: either way its lines must not be written again.
 */
export async function recordBatch(trx: Transaction<Database>, tenant: string, data: CostIngested): Promise<ImportProgress | undefined> {
  const { rows } = await sql<ImportProgress>`
    insert into cost_import_progress as p
           (import_id, organization_id, cloud_account_id, source, received_batches, rows_received, batches, period_start, period_end)
    values (${data.import_id}::uuid, ${tenant}::uuid, ${data.cloud_account_id}::uuid, ${data.source},
            array[${data.batch.index}::integer], ${data.rows.length}, ${data.summary?.batches ?? null}::integer,
            ${data.summary?.period.start ?? null}::timestamptz, ${data.summary?.period.end ?? null}::timestamptz)
    on conflict (import_id) do update
       set received_batches = p.received_batches || excluded.received_batches,
           rows_received = p.rows_received + excluded.rows_received,
           batches = coalesce(excluded.batches, p.batches),
           period_start = coalesce(excluded.period_start, p.period_start),
           period_end = coalesce(excluded.period_end, p.period_end),
           updated_at = now()
     where p.status = 'receiving'
       and p.cloud_account_id = excluded.cloud_account_id
       and not p.received_batches @> excluded.received_batches
    returning import_id, organization_id, cloud_account_id, cardinality(received_batches) as received, rows_received, batches,
              period_start, period_end
  `.execute(trx);
  return rows[0];
}

export function isComplete(progress: ImportProgress): progress is ImportProgress & { batches: number; period_start: Date; period_end: Date } {
  return progress.batches !== null && progress.received === progress.batches && progress.period_start !== null && progress.period_end !== null;
}

export async function markApplied(trx: Transaction<Database>, importId: string): Promise<void> {
  await trx
    .updateTable('cost_import_progress')
    .set({ status: 'applied', applied_at: new Date(), updated_at: new Date() })
    .where('import_id', '=', importId)
    .execute();
}

/** Whether an applied import of the account overlaps the period: only then are there lines to replace. */
export async function hasAppliedOverlap(
  trx: Transaction<Database>,
  cloudAccountId: string,
  period: { start: Date; end: Date },
  except: string,
): Promise<boolean> {
  const row = await trx
    .selectFrom('cost_import_progress')
    .select('import_id')
    .where('cloud_account_id', '=', cloudAccountId)
    .where('status', '=', 'applied')
    .where('import_id', '<>', except)
    .where('period_start', '<', period.end)
    .where('period_end', '>', period.start)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
