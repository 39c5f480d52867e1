import type { Transaction } from 'kysely';
import type { Database } from '@stratus/db';

/**
 * Records the cost store's answer on an import that awaits it. An answer delivered again, or for
 * an import that is not awaiting one, changes nothing.
 */
export async function settleImport(
  trx: Transaction<Database>,
  importId: string,
  outcome: { status: 'applied'; at: string } | { status: 'refused'; at: string; reason: string },
): Promise<boolean> {
  const { numUpdatedRows } = await trx
    .updateTable('cost_imports')
    .set({ status: outcome.status, settled_at: outcome.at, ...(outcome.status === 'refused' ? { error: outcome.reason } : {}) })
    .where('id', '=', importId)
    .where('status', '=', 'applying')
    .executeTakeFirst();
  return numUpdatedRows > 0n;
}
