import type { ServiceDefinition } from '@stratus/runtime';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { costsRoutes } from './modules/costs/costs.routes.ts';
import { budgetsRoutes } from './modules/budgets/budgets.routes.ts';
import { costIngested } from './consumers/cost-ingested.consumer.ts';
import { costMaintenance } from './jobs/cost-maintenance.ts';

export const service: ServiceDefinition<typeof env> = {
  name: 'cost',
  version: pkg.version,
  env,
  async routes(app, deps) {
    await app.register(costsRoutes, { prefix: '/v1', rawRetentionMonths: deps.config.COST_RAW_RETENTION_MONTHS });
    await app.register(budgetsRoutes, { prefix: '/v1', outbox: deps.outbox });
  },
  consumers: (deps) => ({ 'cost.ingested': costIngested(deps) }),
  background: (deps) => [costMaintenance(deps)],
};
