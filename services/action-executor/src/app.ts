import type { ServiceDefinition } from '@stratus/runtime';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { approvalsExpireSchedule } from './jobs/approvals-expire.job.ts';
import { approvalsRoutes } from './modules/approvals/approvals.routes.ts';
import { operationsRoutes } from './modules/operations/operations.routes.ts';
import { policyRoutes } from './modules/policy/policy.routes.ts';
import { queueDashboardRoutes } from './modules/queue-dashboard/queue-dashboard.routes.ts';

export const service: ServiceDefinition<typeof env> = {
  name: 'action-executor',
  version: pkg.version,
  env,
  async routes(app, deps) {
    await app.register(operationsRoutes, { prefix: '/v1' });
    await app.register(policyRoutes, { prefix: '/v1' });
    await app.register(approvalsRoutes, { prefix: '/v1', queues: deps.queues });
    await queueDashboardRoutes(app, { queues: deps.queues });
  },
  background: (deps) => [approvalsExpireSchedule(deps)],
};
