import type { EventHandlers } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import type { ServiceDefinition } from '@stratus/runtime';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { actionCompleted } from './consumers/action-completed.consumer.ts';
import { actionFailed } from './consumers/action-failed.consumer.ts';
import { costAggregated } from './consumers/cost-aggregated.consumer.ts';
import { resourceDiscovered } from './consumers/resource-discovered.consumer.ts';
import { resourceRemoved } from './consumers/resource-removed.consumer.ts';
import { recommendationsWorker } from './jobs/recommendations.worker.ts';
import { realizedSavingsRoutes } from './modules/realized-savings/realized-savings.routes.ts';
import { recommendationsRoutes } from './modules/recommendations/recommendations.routes.ts';

export function handlers(queues: Pick<Queues, 'enqueue'>) {
  return {
    'resource.discovered': resourceDiscovered,
    'resource.removed': resourceRemoved,
    'cost.aggregated': costAggregated(queues),
    'action.completed': actionCompleted,
    'action.failed': actionFailed,
  } satisfies EventHandlers;
}

export const service: ServiceDefinition<typeof env> = {
  name: 'recommendation',
  version: pkg.version,
  env,
  async routes(app, deps) {
    await app.register(recommendationsRoutes, { prefix: '/v1', queues: deps.queues });
    await app.register(realizedSavingsRoutes, { prefix: '/v1' });
  },
  consumers: (deps) => handlers(deps.queues),
  background: (deps) => recommendationsWorker(deps, deps.config.RECOMMENDATIONS_RECONCILE_MS),
};
