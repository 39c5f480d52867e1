export {
  JOBS,
  QUEUE_NAMES,
  InvalidJobPayloadError,
  RETRY_AFTER_BACKOFF,
  parsePayload,
  type JobName,
  type JobNameOf,
  type JobPayload,
  type QueueName,
} from './catalogue.ts';
export { createRedisConnection, RedisUnreachableError } from './connection.ts';
export { durableWork, reconcile, type DurableWork, type ReconcileResult } from './reconciler.ts';
export { InvalidScheduleError, nextRuns, type Schedule } from './schedule.ts';
export { syncSchedulers, type ScheduledObjects, type SchedulerSyncResult } from './scheduler-sync.ts';
export { createQueues, type EnqueueOptions, type Queues } from './queues.ts';
export { createWorker, putOff, RetryLaterError, type JobHandler, type JobHandlers, type JobOutcome, type WorkerOptions } from './worker.ts';
export type { QueueLogger } from './logger.ts';
