import type { EventHandler } from '@stratus/events';
import type { ServiceDeps } from '@stratus/runtime';
import { settleImport } from '../modules/cost-import/cost-import.repository.ts';

/** The cost store applied an import: it reads `applied` from now on. */
export function costImportApplied(deps: Pick<ServiceDeps, 'logger'>): EventHandler<'cost_import.applied'> {
  const logger = deps.logger.child({ consumer: 'cost_import.applied' });
  return async (event, trx) => {
    const settled = await settleImport(trx, event.data.import_id, { status: 'applied', at: event.data.applied_at });
    if (!settled) logger.info({ import_id: event.data.import_id }, 'import not awaiting the cost store: skipped');
  };
}
