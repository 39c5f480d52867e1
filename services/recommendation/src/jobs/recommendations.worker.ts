import type { Worker } from 'bullmq';
import { sql } from 'kysely';
import { createWorker } from '@stratus/queues';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';
import { recommendationsEvaluateJob } from './recommendations-evaluate.job.ts';

const SCHEDULER_PREFIX = 'recommendations-daily-';
export const DAY_MS = 86_400_000;

export const schedulerIdOf = (organizationId: string) => `${SCHEDULER_PREFIX}${organizationId}`;

/**
 * The daily evaluation is a job per organisation on the recommendations queue, repeated by a
 * BullMQ job scheduler, rather than a periodic task in this process: the job survives a restart,
 * runs once however many replicas there are, retries on failure, and one organisation's large
 * evaluation does not hold up the others. This pass keeps one scheduler per organisation with
 * linked accounts (the discovery scheduler's pattern: PostgreSQL is the truth, every replica may run
 * it, the upserts are idempotent). The one call to switch to a cron with a time zone is here.
 */
export async function reconcileDailySchedules(deps: Pick<ServiceDeps, 'db' | 'queues'>): Promise<{ scheduled: number; removed: number }> {
  const { rows } = await sql<{ organization_id: string }>`select organization_id from stratus_recommendation_organizations()`.execute(deps.db);
  const wanted = new Set<string>();
  for (const { organization_id } of rows) {
    const id = schedulerIdOf(organization_id);
    wanted.add(id);
    await deps.queues.schedule(id, 'recommendations.evaluate', { organization_id, trigger: 'schedule' }, { everyMs: DAY_MS });
  }
  let removed = 0;
  for (const id of await deps.queues.schedulerIds('recommendations')) {
    if (id.startsWith(SCHEDULER_PREFIX) && !wanted.has(id)) {
      await deps.queues.unschedule('recommendations', id);
      removed += 1;
    }
  }
  return { scheduled: wanted.size, removed };
}

/** Evaluations are database work: two at a time leaves the pool to the consumers and the API. */
const CONCURRENCY = 2;

/** Drains the recommendations queue and keeps the daily schedules. */
export function recommendationsWorker(deps: ServiceDeps, scheduleEveryMs: number): BackgroundTask[] {
  let worker: Worker | undefined;
  return [
    {
      name: 'recommendations worker',
      async start() {
        worker = createWorker({
          queue: 'recommendations',
          connection: deps.redis,
          prefix: deps.config.REDIS_PREFIX,
          concurrency: CONCURRENCY,
          logger: deps.logger,
          handlers: { 'recommendations.evaluate': recommendationsEvaluateJob(deps) },
        });
      },
      async stop() {
        await worker?.close();
      },
    },
    periodicTask('recommendations scheduler', scheduleEveryMs, deps.logger, () => reconcileDailySchedules(deps)),
  ];
}
