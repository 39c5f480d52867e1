import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS, QUEUE_NAMES, parsePayload, type JobName, type JobPayload, type QueueName } from './catalogue.ts';
import type { QueueLogger } from './logger.ts';
import { repeatOptionsOf, type Schedule } from './schedule.ts';
import { queueTelemetry } from './telemetry.ts';

export interface EnqueueOptions {
  /**
   * Makes the enqueue idempotent: while a job with this id exists (waiting, active, or kept after
   * it finished), enqueueing it again is a no-op. Use the row's id, e.g. the operation id.
   * BullMQ refuses ids containing ':'.
   */
  jobId?: string;
  /** Milliseconds to wait before the job may run. */
  delay?: number;
}

export interface Queues {
  /** Validates the payload against the catalogue (throws InvalidJobPayloadError) and adds the job. */
  enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options?: EnqueueOptions): Promise<Job>;
  /** enqueue for many jobs of one name, in one round trip to Redis (every payload validated first). */
  enqueueMany<N extends JobName>(name: N, jobs: readonly { payload: JobPayload<N>; options?: EnqueueOptions }[]): Promise<void>;
  /**
   * Creates or updates a repeating job under a stable scheduler id (BullMQ job schedulers): one
   * scheduler per id however often this is called, so a reconciler can call it on every pass.
   * Throws InvalidScheduleError for a bad interval, cron pattern or time zone, naming it.
   */
  schedule<N extends JobName>(schedulerId: string, name: N, payload: JobPayload<N>, schedule: Schedule): Promise<void>;
  /** Removes a scheduler; its next job is not created. */
  unschedule(queue: QueueName, schedulerId: string): Promise<void>;
  /** Ids of the queue's job schedulers. */
  schedulerIds(queue: QueueName): Promise<string[]>;
  /** Of the job ids, those the queue no longer holds in any state: what Redis lost, or trimmed after it finished. */
  missing(queue: QueueName, jobIds: readonly string[]): Promise<string[]>;
  /** The BullMQ queues, for inspection (counts, failed jobs, a queue UI). */
  readonly queues: Readonly<Record<QueueName, Queue>>;
  close(): Promise<void>;
}

/**
 * Finished jobs are trimmed so Redis does not grow without bound: PostgreSQL keeps the history.
 * Failed jobs stay longer so on-call engineers can inspect and retry them.
 */
const RETENTION = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} satisfies JobsOptions;

function jobOptions(name: JobName, options: EnqueueOptions): JobsOptions {
  const job = JOBS[name];
  return {
    attempts: job.attempts,
    backoff: job.backoff,
    ...RETENTION,
    ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
    ...(options.delay === undefined ? {} : { delay: options.delay }),
  };
}

export function createQueues({
  connection,
  prefix,
  logger,
}: {
  connection: Redis;
  /** Redis key prefix (REDIS_PREFIX); tests pass their own so files never share queues. */
  prefix: string;
  /** Receives connection errors; without it they surface only through failed enqueues. */
  logger?: QueueLogger;
}): Queues {
  const queues = Object.fromEntries(
    QUEUE_NAMES.map((name) => {
      // The enqueuer's trace context travels in the job, so the worker's span continues its trace.
      const queue = new Queue(name, { connection, prefix, telemetry: queueTelemetry });
      // An EventEmitter 'error' without a listener would crash the process.
      queue.on('error', (error) => logger?.warn({ err: error, queue: name }, 'queue connection error'));
      return [name, queue];
    }),
  ) as Record<QueueName, Queue>;

  return {
    queues,
    async enqueue(name, payload, options = {}) {
      return queues[JOBS[name].queue].add(name, parsePayload(name, payload), jobOptions(name, options));
    },
    async enqueueMany(name, jobs) {
      if (jobs.length === 0) return;
      const bulk = jobs.map(({ payload, options = {} }) => ({ name, data: parsePayload(name, payload), opts: jobOptions(name, options) }));
      await queues[JOBS[name].queue].addBulk(bulk);
    },
    async schedule(schedulerId, name, payload, schedule) {
      const job = JOBS[name];
      await queues[job.queue].upsertJobScheduler(
        schedulerId,
        repeatOptionsOf(schedule),
        { name, data: parsePayload(name, payload), opts: { attempts: job.attempts, backoff: job.backoff, ...RETENTION } },
      );
    },
    async missing(queue, jobIds) {
      if (jobIds.length === 0) return [];
      // A job is its hash at toKey(id), whatever its state: one round trip for all the ids.
      const pipeline = connection.pipeline();
      for (const jobId of jobIds) pipeline.exists(queues[queue].toKey(jobId));
      const replies = (await pipeline.exec()) ?? [];
      return jobIds.filter((_, index) => {
        const [error, count] = replies[index] ?? [new Error('no reply from Redis')];
        if (error) throw error;
        return count === 0;
      });
    },
    async unschedule(queue, schedulerId) {
      await queues[queue].removeJobScheduler(schedulerId);
    },
    async schedulerIds(queue) {
      const ids: string[] = [];
      const page = 500;
      for (let start = 0; ; start += page) {
        const schedulers = await queues[queue].getJobSchedulers(start, start + page - 1, true);
        ids.push(...schedulers.map((scheduler) => scheduler.key));
        if (schedulers.length < page) return ids;
      }
    },
    async close() {
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
    },
  };
}
