import type { JobHandler } from '@stratus/queues';
import type { BackgroundTask, ServiceDeps } from '@stratus/runtime';
import type { ExecutorConfig } from '../config.ts';
import { convergeSchedules } from '../modules/schedules/schedules.service.ts';

const SCHEDULER_ID = 'schedules-converge';

/** Brings every scheduled resource of every organisation towards its desired state. */
export function schedulesConvergeJob(deps: Pick<ServiceDeps, 'db' | 'queues' | 'logger'>): JobHandler<'schedules.converge'> {
  const logger = deps.logger.child({ job: 'schedules.converge' });
  return async () => {
    const reports = await convergeSchedules(deps.db, deps.queues, new Date());
    const requested = reports.reduce((sum, report) => sum + report.requested.length, 0);
    const invalid = reports.flatMap((report) => report.invalid);
    if (requested > 0) logger.info({ requested, organizations: reports.length }, 'schedules: starts and stops requested');
    if (invalid.length > 0) logger.warn({ invalid: invalid.slice(0, 20), count: invalid.length }, 'schedules: resources with a schedule tag that does not parse');
    return { status: 'done', organizations: reports.length, requested, invalid: invalid.length };
  };
}

/** Keeps the job's scheduler (an idempotent upsert: one job per interval however many replicas). */
export function schedulesConvergeSchedule(deps: Pick<ServiceDeps<ExecutorConfig>, 'queues' | 'config'>): BackgroundTask {
  return {
    name: 'schedules convergence schedule',
    async start() {
      await deps.queues.schedule(SCHEDULER_ID, 'schedules.converge', {}, { everyMs: deps.config.SCHEDULES_EVERY_MINUTES * 60_000 });
    },
    async stop() {},
  };
}
