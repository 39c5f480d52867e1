import { sql } from 'kysely';
import { syncSchedulers, type Queues } from '@stratus/queues';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';
import { ruleIdOfScheduler, syncSchedule } from '../modules/automation-rules/automation-rules.service.ts';

/** A lost scheduler is back within this long; one index read of the enabled rules per pass. */
export const SCHEDULER_SYNC_INTERVAL_MS = 60_000;

/** One pass: every enabled rule has its job scheduler, and no deleted or disabled one keeps one. */
export async function syncRuleSchedulers(db: ServiceDeps['db'], queues: Pick<Queues, 'schedule' | 'unschedule' | 'schedulerIds'>) {
  return syncSchedulers({
    scheduled: (await queues.schedulerIds('automation')).flatMap((id) => ruleIdOfScheduler(id) ?? []),
    page: async (after, pageSize) =>
      (
        await sql<{ id: string; organization_id: string; cron: string; timezone: string }>`
          select id, organization_id, cron, timezone from stratus_enabled_automation_rules(${after}::uuid, ${pageSize}::integer)
        `.execute(db)
      ).rows,
    schedule: (rule) => syncSchedule(queues, { ...rule, status: 'enabled' }),
    unschedule: (id) => syncSchedule(queues, { id, status: 'deleted' }),
  });
}

/** At start and then every interval: Redis may lose schedulers (a flush, a restart without persistence). */
export function automationSchedulerSync(deps: Pick<ServiceDeps, 'db' | 'queues' | 'logger'>, intervalMs = SCHEDULER_SYNC_INTERVAL_MS): BackgroundTask {
  return periodicTask('automation rule schedulers', intervalMs, deps.logger, async () => {
    const result = await syncRuleSchedulers(deps.db, deps.queues);
    if (result.restored > 0 || result.removed > 0) deps.logger.warn(result, 'automation rule schedulers repaired');
    return result;
  });
}
