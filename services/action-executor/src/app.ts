import { sharedSimCloud } from '@stratus/cloud';
import type { EventHandlers } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import type { ServiceDefinition } from '@stratus/runtime';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { actionRequested } from './consumers/action-requested.consumer.ts';
import { budgetThresholdCrossed } from './consumers/budget-threshold-crossed.consumer.ts';
import { recommendationCreated } from './consumers/recommendation-created.consumer.ts';
import { approvalsExpireSchedule } from './jobs/approvals-expire.job.ts';
import { automationSchedulerSync } from './jobs/automation-rules.scheduler-sync.ts';
import { automationWorker } from './jobs/automation.worker.ts';
import { operationExecuteReconciler } from './jobs/operation-execute.reconciler.ts';
import { operationsWorker } from './jobs/operations.worker.ts';
import { schedulesConvergeSchedule } from './jobs/schedules-converge.job.ts';
import { workflowExecutionReconciler } from './jobs/workflow-execution.reconciler.ts';
import { workflowSchedulerSync } from './jobs/workflows.scheduler-sync.ts';
import { actionsRoutes } from './modules/actions/actions.routes.ts';
import { approvalsRoutes } from './modules/approvals/approvals.routes.ts';
import { automationRulesRoutes } from './modules/automation-rules/automation-rules.routes.ts';
import { operationsRoutes } from './modules/operations/operations.routes.ts';
import { policyRoutes } from './modules/policy/policy.routes.ts';
import { queueDashboardRoutes } from './modules/queue-dashboard/queue-dashboard.routes.ts';
import { replayRoutes } from './modules/replay/replay.routes.ts';
import { schedulesRoutes } from './modules/schedules/schedules.routes.ts';
import { workflowsRoutes } from './modules/workflows/workflows.routes.ts';

export function handlers(queues: Pick<Queues, 'enqueue' | 'enqueueMany'>) {
  return {
    'action.requested': actionRequested(queues),
    'budget.threshold_crossed': budgetThresholdCrossed(queues),
    'recommendation.created': recommendationCreated(queues),
  } satisfies EventHandlers;
}

export const service: ServiceDefinition<typeof env> = {
  name: 'action-executor',
  version: pkg.version,
  env,
  async routes(app, deps) {
    await app.register(operationsRoutes, { prefix: '/v1' });
    await app.register(actionsRoutes, { prefix: '/v1' });
    await app.register(replayRoutes, { prefix: '/v1', queues: deps.queues });
    await app.register(policyRoutes, { prefix: '/v1' });
    await app.register(approvalsRoutes, { prefix: '/v1', queues: deps.queues });
    await app.register(automationRulesRoutes, { prefix: '/v1', queues: deps.queues });
    await app.register(schedulesRoutes, { prefix: '/v1', queues: deps.queues });
    await app.register(workflowsRoutes, { prefix: '/v1', queues: deps.queues });
    await queueDashboardRoutes(app, { queues: deps.queues });
  },
  consumers: (deps) => handlers(deps.queues),
  // The simulated cloud's storage first: operations on simulated accounts must outlive this process.
  background: (deps) => [
    sharedSimCloud(deps.db),
    operationsWorker(deps),
    operationExecuteReconciler(deps),
    approvalsExpireSchedule(deps),
    automationWorker(deps),
    automationSchedulerSync(deps),
    schedulesConvergeSchedule(deps),
    workflowExecutionReconciler(deps),
    workflowSchedulerSync(deps),
  ],
};
