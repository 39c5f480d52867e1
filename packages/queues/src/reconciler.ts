import type { JobName, JobPayload } from './catalogue.ts';
import { JOBS } from './catalogue.ts';
import type { QueueLogger } from './logger.ts';
import type { Queues } from './queues.ts';

/**
 * Work whose truth is a PostgreSQL row and whose execution is a BullMQ job: a notification
 * delivery, an action's operation. Redis can lose the job (a flush, a restart without persistence,
 * eviction) while the row still says the work is to be done; the reconciler finds such rows and
 * enqueues their job again under the same id.
 *
 * The job's handler must be idempotent against its row (check the row's state before acting, record
 * the outcome on it), because a job can also be re-enqueued after it ran and was trimmed from Redis.
 */
export interface DurableWork<N extends JobName, Row> {
  /** For logs: "notification deliveries". */
  name: string;
  job: N;
  /**
   * One page of the rows whose work is unfinished (queued, running, pending) across every
   * organisation, ordered by their cursor, after `after` (the cursor of the last row of the
   * previous page; absent for the first). A SECURITY DEFINER function suits this: the service's role
   * sees one organisation at a time.
   */
  unfinished(page: { after: string | undefined; limit: number }): Promise<readonly Row[]>;
  cursorOf(row: Row): string;
  /** The job that carries the row's work, with the id it was first enqueued under. */
  jobOf(row: Row): { jobId: string; payload: JobPayload<N> };
}

/** Declares durable work with its row type inferred from `unfinished`. */
export function durableWork<N extends JobName, Row>(work: DurableWork<N, Row>): DurableWork<N, Row> {
  return work;
}

export interface ReconcileResult {
  /** Rows whose work is unfinished. */
  unfinished: number;
  /** Of those, the rows whose job was gone and was enqueued again. */
  reEnqueued: number;
}

/** Rows read, and job ids checked in one Redis round trip, at a time. */
const PAGE_SIZE = 500;

/**
 * One pass: every unfinished row whose job is absent from Redis gets its job back, under its id.
 * A job still present (waiting, delayed, active, or kept after it finished) is left alone, and the
 * enqueue itself is a no-op for an id that reappeared in between, so no job is ever doubled. Every
 * replica may run passes at once.
 */
export async function reconcile<N extends JobName, Row>(
  queues: Pick<Queues, 'enqueue' | 'missing'>,
  work: DurableWork<N, Row>,
  { logger, pageSize = PAGE_SIZE }: { logger?: QueueLogger; pageSize?: number } = {},
): Promise<ReconcileResult> {
  const queue = JOBS[work.job].queue;
  const result: ReconcileResult = { unfinished: 0, reEnqueued: 0 };
  let after: string | undefined;
  for (;;) {
    const rows = await work.unfinished({ after, limit: pageSize });
    if (rows.length === 0) break;
    result.unfinished += rows.length;
    const jobs = rows.map((row) => work.jobOf(row));
    const missing = new Set(await queues.missing(queue, jobs.map((job) => job.jobId)));
    const lost = jobs.filter((job) => missing.has(job.jobId));
    for (const { jobId, payload } of lost) await queues.enqueue(work.job, payload, { jobId });
    result.reEnqueued += lost.length;
    if (lost.length > 0) {
      logger?.warn(
        { work: work.name, job: work.job, jobIds: lost.slice(0, 20).map((job) => job.jobId), count: lost.length },
        `${work.name}: re-enqueued ${lost.length} job(s) Redis had lost`,
      );
    }
    if (rows.length < pageSize) break;
    after = work.cursorOf(rows[rows.length - 1]!);
  }
  return result;
}
