import type { Worker } from 'bullmq';
import { createWorker, type JobHandlers } from '@stratus/queues';
import type { BackgroundTask, ServiceDeps } from '@stratus/runtime';
import { automationRuleRunJob } from './automation-rule-run.job.ts';
import { schedulesAndWorkflowsHandlers } from './schedules-and-workflows.handlers.ts';

/** Rule runs are database work (a match, then a batch of outbox rows): a few at once per process. */
const AUTOMATION_CONCURRENCY = 4;

export function automationHandlers(deps: Pick<ServiceDeps, 'db' | 'logger' | 'queues'>): JobHandlers<'automation'> {
  return { 'automation.rule.run': automationRuleRunJob(deps), ...schedulesAndWorkflowsHandlers(deps) };
}

/** Drains the automation queue: the runs of automation rules, placed by their job schedulers; off-hours schedules; workflow steps. */
export function automationWorker(deps: Pick<ServiceDeps, 'db' | 'redis' | 'logger' | 'config' | 'queues'>): BackgroundTask {
  let worker: Worker | undefined;
  return {
    name: 'automation worker',
    async start() {
      worker = createWorker({
        queue: 'automation',
        connection: deps.redis,
        prefix: deps.config.REDIS_PREFIX,
        concurrency: AUTOMATION_CONCURRENCY,
        logger: deps.logger,
        handlers: automationHandlers(deps),
      });
    },
    async stop() {
      await worker?.close();
    },
  };
}
