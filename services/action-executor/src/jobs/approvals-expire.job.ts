import type { JobHandler } from '@stratus/queues';
import type { BackgroundTask, ServiceDeps } from '@stratus/runtime';
import { expireApprovals } from '../modules/approvals/approvals.service.ts';

/** How often approval requests past their time are looked for: an action expires at most this late. */
export const APPROVALS_EXPIRE_EVERY_MS = 5 * 60_000;
const SCHEDULER_ID = 'approvals-expire';

/** Expires every organisation's approval requests past their time (the operations worker runs it). */
export function approvalsExpireJob(deps: Pick<ServiceDeps, 'db' | 'logger'>): JobHandler<'approvals.expire'> {
  const logger = deps.logger.child({ job: 'approvals.expire' });
  return async () => {
    const result = await expireApprovals(deps.db, new Date());
    if (result.expired > 0) logger.info(result, 'approval requests expired');
    return { status: 'done', ...result };
  };
}

/**
 * Keeps the job's scheduler: the upsert is idempotent, so every replica may do it at start, and one
 * job runs per interval however many replicas there are.
 */
export function approvalsExpireSchedule(deps: Pick<ServiceDeps, 'queues'>): BackgroundTask {
  return {
    name: 'approvals expiry schedule',
    async start() {
      await deps.queues.schedule(SCHEDULER_ID, 'approvals.expire', {}, { everyMs: APPROVALS_EXPIRE_EVERY_MS });
    },
    async stop() {},
  };
}
