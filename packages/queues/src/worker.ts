import { DelayedError, UnrecoverableError, Worker, type BackoffStrategy, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  InvalidJobPayloadError,
  RETRY_AFTER_BACKOFF,
  isJobName,
  parsePayload,
  type JobName,
  type JobNameOf,
  type JobPayload,
  type QueueName,
} from './catalogue.ts';
import type { QueueLogger } from './logger.ts';
import { jobDuration, queueTelemetry } from './telemetry.ts';

/**
 * What a handler reports. `skipped` is an expected no-op (the operation was cancelled, the rule
 * disabled) and is not a failure. Failures are thrown: an UnrecoverableError for a job that can
 * never succeed, any other error to be retried with the catalogue's backoff.
 */
export type JobOutcome = { status: 'skipped'; reason: string } | { status: 'done'; [detail: string]: unknown };

/**
 * Thrown by a handler of a job with the RETRY_AFTER_BACKOFF backoff when the other side said when to
 * come back: the next attempt waits delayMs instead of the exponential step.
 */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  readonly delayMs: number;

  constructor(message: string, delayMs: number) {
    super(message);
    this.delayMs = delayMs;
  }
}

/** BullMQ asks this for every backoff type it does not know; attemptsMade counts the failed attempt. */
export const backoffStrategy: BackoffStrategy = (attemptsMade, type, error, job) => {
  if (type !== RETRY_AFTER_BACKOFF) throw new Error(`unknown backoff type ${type}`);
  if (error instanceof RetryLaterError) return error.delayMs;
  const backoff = typeof job?.opts.backoff === 'object' ? job.opts.backoff : undefined;
  const step = 2 ** (attemptsMade - 1) * (backoff?.delay ?? 0);
  // BullMQ's own jitter: the wait is drawn from [step * (1 - jitter), step], so retries spread out.
  const jitter = Math.min(Math.max(backoff?.jitter ?? 0, 0), 1);
  return Math.round(step * (1 - jitter * Math.random()));
};

/**
 * `token` is the worker's lock on the job: a handler that must wait without spending an attempt
 * (a busy account, a row not committed yet) puts its job off with it (putOff). `signal` aborts when
 * the worker is told to stop its jobs (BullMQ's cancelAllJobs, as a service stopping does): a long
 * handler stops early and puts its job off, so that a replica still running starts it again at
 * once rather than after the stalled-job check, and no attempt is spent on a deploy.
 */
export type JobHandler<N extends JobName> = (payload: JobPayload<N>, job: Job, token?: string, signal?: AbortSignal) => Promise<JobOutcome>;

/** Puts the job back for later (`ms` from now) without spending one of its attempts. */
export async function putOff(job: Job, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

/** One handler per job of the queue: a job added to the catalogue without a handler does not compile. */
export type JobHandlers<Q extends QueueName> = { [N in JobNameOf<Q>]: JobHandler<N> };

export interface WorkerOptions<Q extends QueueName> {
  queue: Q;
  connection: Redis;
  prefix: string;
  handlers: JobHandlers<Q>;
  concurrency: number;
  logger: QueueLogger;
}

/**
 * A BullMQ worker that checks each job against the catalogue before its handler sees it. Handlers
 * must be safe to run twice: a job is retried after a crash, and may be re-enqueued from PostgreSQL.
 */
export function createWorker<Q extends QueueName>({
  queue,
  connection,
  prefix,
  handlers,
  concurrency,
  logger,
}: WorkerOptions<Q>): Worker<unknown, JobOutcome> {
  const handlerOf = handlers as Partial<Record<string, JobHandler<JobName>>>;
  const worker = new Worker<unknown, JobOutcome>(
    queue,
    async (job, token, signal) => {
      const handler = handlerOf[job.name];
      if (!handler || !isJobName(job.name)) {
        throw new UnrecoverableError(`queue ${queue} has no handler for job ${job.name}`);
      }
      let payload: JobPayload<JobName>;
      try {
        payload = parsePayload(job.name, job.data);
      } catch (error) {
        // Retrying cannot fix a payload; fail now and keep the job for inspection.
        if (error instanceof InvalidJobPayloadError) throw new UnrecoverableError(error.message);
        throw error;
      }
      const started = performance.now();
      let outcome: JobOutcome['status'] | 'failed' = 'failed';
      try {
        const result = await handler(payload, job, token, signal);
        outcome = result.status;
        return result;
      } catch (error) {
        // Put off, not failed: no attempt is spent.
        if (error instanceof DelayedError) outcome = 'skipped';
        throw error;
      } finally {
        const seconds = (performance.now() - started) / 1000;
        jobDuration.observe({ queue, job: job.name, outcome }, seconds);
        // Inside the job's span: the line carries the trace of whatever enqueued the job.
        logger.debug?.({ queue, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1, outcome, ms: Math.round(seconds * 1000) }, 'job finished');
      }
    },
    { connection, prefix, concurrency, settings: { backoffStrategy }, telemetry: queueTelemetry },
  );
  worker.on('error', (error) => logger.error({ err: error, queue }, 'worker error'));
  worker.on('failed', (job, error) => {
    const final = !job || job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError;
    logger[final ? 'error' : 'warn'](
      { err: error, queue, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade },
      final ? 'job failed' : 'job failed, will retry',
    );
  });
  return worker;
}
