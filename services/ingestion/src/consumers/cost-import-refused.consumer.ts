import type { EventHandler } from '@stratus/events';
import type { ServiceDeps } from '@stratus/runtime';
import { settleImport } from '../modules/cost-import/cost-import.repository.ts';

/** The cost store refused an import: it reads `refused`, with the cost store's reason as its error. */
export function costImportRefused(deps: Pick<ServiceDeps, 'logger'>): EventHandler<'cost_import.refused'> {
  const logger = deps.logger.child({ consumer: 'cost_import.refused' });
  return async (event, trx) => {
    const { import_id, reason, refused_at } = event.data;
    const settled = await settleImport(trx, import_id, { status: 'refused', at: refused_at, reason });
    if (settled) logger.warn({ import_id, reason }, 'cost import refused by the cost store');
    else logger.info({ import_id }, 'import not awaiting the cost store: skipped');
  };
}
