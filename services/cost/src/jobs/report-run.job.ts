import type { Logger } from 'pino';
import type { JobHandler } from '@stratus/queues';
import { recordFailedRun, runReport, type ReportRunDeps } from '../modules/reports/reports.service.ts';

/**
 * Runs a report on its tick, or when asked. The job's id names its run: a scheduler's job is
 * repeat:<scheduler>:<tick> and a requested one report-run-<uuid>, and every retry keeps it.
 */
export function reportRunJob(deps: ReportRunDeps & { logger: Logger }): JobHandler<'report.run'> {
  const logger = deps.logger.child({ job: 'report.run' });
  return async (payload, job) => {
    const jobKey = job.id ?? `${job.name}:${job.timestamp}`;
    try {
      return await runReport(deps, payload, jobKey);
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        const message = error instanceof Error ? error.message : String(error);
        await recordFailedRun(deps.db, payload, jobKey, message).catch((recordError: unknown) =>
          logger.error({ err: recordError, report_id: payload.report_id }, 'could not record the failed run'),
        );
      }
      throw error;
    }
  };
}
