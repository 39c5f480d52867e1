export {
  JOBS,
  QUEUE_NAMES,
  InvalidJobPayloadError,
  parsePayload,
  type JobName,
  type JobNameOf,
  type JobPayload,
  type QueueName,
} from './catalogue.ts';
export { createRedisConnection, RedisUnreachableError } from './connection.ts';
export { createQueues, type EnqueueOptions, type Queues } from './queues.ts';
export { createWorker, type JobHandler, type JobHandlers, type JobOutcome, type WorkerOptions } from './worker.ts';
export type { QueueLogger } from './logger.ts';
