import type { Worker } from 'bullmq';
import { createWorker } from '@stratus/queues';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';
import type { OptionalObjectStore } from '@stratus/object-store';
import type { CostConfig } from '../config.ts';
import { REPORTS_PREFIX, syncReportSchedulers } from '../modules/reports/reports.service.ts';
import { reportRunJob } from './report-run.job.ts';

/** Reports read rollups and write two small objects: a couple at once per process. */
const CONCURRENCY = 2;

/**
 * Drains the reports queue, placed by each report's job scheduler (or a run requested by hand).
 * At start it puts the lifecycle rule that expires report objects after REPORT_RETENTION_DAYS.
 */
export function reportsWorker(deps: ServiceDeps<CostConfig> & { objects: OptionalObjectStore }): BackgroundTask {
  let worker: Worker | undefined;
  const { config } = deps;
  return {
    name: 'reports worker',
    async start() {
      if (deps.objects.store) {
        // Lifecycle support differs between S3-compatible servers (S3Mock keeps rules, expires nothing).
        await deps.objects.store
          .setLifecycle([{ id: 'stratus-reports', prefix: REPORTS_PREFIX, expireAfterDays: config.REPORT_RETENTION_DAYS }])
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not set the reports lifecycle rule on the bucket'));
      } else {
        deps.logger.warn('S3_ENDPOINT is not set: report runs will fail until object storage is configured');
      }
      worker = createWorker({
        queue: 'reports',
        connection: deps.redis,
        prefix: config.REDIS_PREFIX,
        concurrency: CONCURRENCY,
        logger: deps.logger,
        handlers: {
          'report.run': reportRunJob({
            db: deps.db,
            outbox: deps.outbox,
            logger: deps.logger,
            objects: () => deps.objects.require('reports'),
            rawRetentionMonths: config.COST_RAW_RETENTION_MONTHS,
            linkExpirySeconds: config.REPORT_LINK_EXPIRY_SECONDS,
          }),
        },
      });
    },
    async stop() {
      await worker?.close();
    },
  };
}

/** A lost scheduler is back within this long; one read of the enabled reports per pass. */
const SCHEDULER_SYNC_INTERVAL_MS = 60_000;

/** At start and then every minute: Redis may lose schedulers (a flush, a restart without persistence). */
export function reportSchedulerSync(deps: Pick<ServiceDeps, 'db' | 'queues' | 'logger'>): BackgroundTask {
  return periodicTask('report schedulers', SCHEDULER_SYNC_INTERVAL_MS, deps.logger, async () => {
    const result = await syncReportSchedulers(deps.db, deps.queues);
    if (result.restored > 0 || result.removed > 0) deps.logger.warn(result, 'report schedulers repaired');
    return result;
  });
}
