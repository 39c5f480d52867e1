import type { ServiceDefinition } from '@stratus/runtime';
import { OptionalObjectStore } from '@stratus/object-store';
import pkg from '../package.json' with { type: 'json' };
import { env, type CostConfig } from './config.ts';
import { costsRoutes } from './modules/costs/costs.routes.ts';
import { budgetsRoutes } from './modules/budgets/budgets.routes.ts';
import { costIngested } from './consumers/cost-ingested.consumer.ts';
import { costMaintenance } from './jobs/cost-maintenance.ts';
import { costArchivesRoutes } from './modules/cost-archives/cost-archives.routes.ts';
import { focusExportRoutes } from './modules/focus-export/focus-export.routes.ts';
import { reportsRoutes } from './modules/reports/reports.routes.ts';
import { reportSchedulerSync, reportsWorker } from './jobs/reports.worker.ts';

/** One client per configuration, shared by the routes and the maintenance of a service instance. */
const objectStores = new WeakMap<CostConfig, OptionalObjectStore>();
function objectStoreOf(config: CostConfig): OptionalObjectStore {
  let objects = objectStores.get(config);
  if (!objects) objectStores.set(config, (objects = new OptionalObjectStore(config)));
  return objects;
}

export const service: ServiceDefinition<typeof env> = {
  name: 'cost',
  version: pkg.version,
  env,
  async routes(app, deps) {
    await app.register(costsRoutes, { prefix: '/v1', rawRetentionMonths: deps.config.COST_RAW_RETENTION_MONTHS });
    await app.register(budgetsRoutes, { prefix: '/v1', outbox: deps.outbox });
    await app.register(costArchivesRoutes, { prefix: '/v1', db: deps.db, objects: objectStoreOf(deps.config) });
    await app.register(focusExportRoutes, { prefix: '/v1', objects: objectStoreOf(deps.config) });
    await app.register(reportsRoutes, { prefix: '/v1', queues: deps.queues });
  },
  consumers: (deps) => ({ 'cost.ingested': costIngested(deps) }),
  background: (deps) => [costMaintenance({ ...deps, objects: objectStoreOf(deps.config) }), reportsWorker({ ...deps, objects: objectStoreOf(deps.config) }), reportSchedulerSync(deps)],
};
