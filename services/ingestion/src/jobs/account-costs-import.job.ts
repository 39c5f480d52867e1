import { UnrecoverableError } from 'bullmq';
import { CloudCredentialsError } from '@stratus/cloud';
import { withTenant } from '@stratus/db';
import { putOff, type JobHandler } from '@stratus/queues';
import { importCosts, type CostImportDependencies } from '../modules/cost-import/cost-import.service.ts';
import type { SyncDependencies } from '../modules/discovery/discovery.service.ts';
import { findSyncableAccount } from '../modules/discovery/inventory.repository.ts';

/**
 * Pulls an account's costs for a period from its provider and publishes them as one import.
 * Running it again for the same period replaces that period (the cost service applies imports
 * period by period), so a retry after a failure is safe. A pull interrupted because the service
 * is stopping ends its import as failed, and its job goes back to the queue without spending an
 * attempt.
 */
export function accountCostsImportJob(deps: CostImportDependencies & Pick<SyncDependencies, 'adapterFor'>): JobHandler<'account.costs.import'> {
  return async ({ organization_id, cloud_account_id, period }, job, token, signal) => {
    const range = { start: new Date(`${period.start}T00:00:00Z`), end: new Date(`${period.end}T00:00:00Z`) };
    const adapter = await withTenant(deps.db, organization_id, async (trx) => {
      const account = await findSyncableAccount(trx, cloud_account_id);
      return account ? deps.adapterFor(trx, account) : undefined;
    });
    if (!adapter) return { status: 'skipped', reason: `cloud account ${cloud_account_id} does not exist` };
    try {
      const report = await importCosts(deps, { organization_id, cloud_account_id }, {
        kind: 'provider',
        period: range,
        batches: (async function* () {
          for await (const rows of adapter.fetchCosts(range, { signal })) {
            signal?.throwIfAborted();
            yield { rows, errors: [] };
          }
        })(),
      });
      if (report.status === 'failed') throw new UnrecoverableError(report.error ?? 'cost import failed');
      return { status: 'done', cost_import_id: report.id, rows: report.rows_imported, batches: report.batches };
    } catch (error) {
      // Whatever ended it (the import's failure, the provider's error), a stop put it short.
      if (signal?.aborted) return await putOff(job, token, 0);
      if (error instanceof CloudCredentialsError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
