import type { Worker } from 'bullmq';
import { adapterResolver } from '@stratus/cloud';
import { createWorker, type JobHandlers } from '@stratus/queues';
import type { BackgroundTask, ServiceDeps } from '@stratus/runtime';
import type { ExecutorConfig } from '../config.ts';
import { createAccountGate } from '../modules/operations/account-gate.ts';
import { approvalsExpireJob } from './approvals-expire.job.ts';
import { operationExecuteJob, type OperationExecuteDependencies } from './operation-execute.job.ts';

/** Every job of the operations queue: a worker must handle them all. */
export function operationsHandlers(deps: OperationExecuteDependencies): JobHandlers<'operations'> {
  return { 'operation.execute': operationExecuteJob(deps), 'approvals.expire': approvalsExpireJob(deps) };
}

/** Drains the operations queue: each operation on one resource, limited per cloud account; and the expiry of approvals. */
export function operationsWorker(deps: Pick<ServiceDeps<ExecutorConfig>, 'db' | 'redis' | 'logger' | 'config'>): BackgroundTask {
  let worker: Worker | undefined;
  const { config } = deps;
  return {
    name: 'operations worker',
    async start() {
      const gate = createAccountGate({
        redis: deps.redis,
        prefix: config.REDIS_PREFIX,
        concurrency: config.ACCOUNT_CONCURRENCY,
        perSecond: config.ACCOUNT_RATE_PER_SECOND,
      });
      worker = createWorker({
        queue: 'operations',
        connection: deps.redis,
        prefix: config.REDIS_PREFIX,
        concurrency: config.OPERATIONS_CONCURRENCY,
        logger: deps.logger,
        handlers: operationsHandlers({ db: deps.db, logger: deps.logger, gate, adapterFor: adapterResolver(config.CREDENTIALS_KEYS) }),
      });
    },
    async stop() {
      await worker?.close();
    },
  };
}
