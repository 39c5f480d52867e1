import { sql } from 'kysely';
import type { Queues } from '@stratus/queues';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';
import { ruleIdOfScheduler, syncSchedule } from '../modules/automation-rules/automation-rules.service.ts';

/** A lost scheduler is back within this long; one index read of the enabled rules per pass. */
export const SCHEDULER_SYNC_INTERVAL_MS = 60_000;
const PAGE_SIZE = 500;

/**
 * One pass: every enabled rule gets its job scheduler (upserted: idempotent, so a pass on each
 * replica at once is harmless, and a rule edited in between keeps its latest cron), and schedulers
 * of rules deleted or disabled while Redis missed the removal are removed.
 */
export async function syncRuleSchedulers(db: ServiceDeps['db'], queues: Pick<Queues, 'schedule' | 'unschedule' | 'schedulerIds'>) {
  const existing = new Set((await queues.schedulerIds('automation')).flatMap((id) => ruleIdOfScheduler(id) ?? []));
  const enabled = new Set<string>();
  let restored = 0;
  let after: string | null = null;
  for (;;) {
    const { rows } = await sql<{ id: string; organization_id: string; cron: string; timezone: string }>`
      select id, organization_id, cron, timezone from stratus_enabled_automation_rules(${after}::uuid, ${PAGE_SIZE}::integer)
    `.execute(db);
    for (const rule of rows) {
      enabled.add(rule.id);
      if (!existing.has(rule.id)) restored += 1;
      await syncSchedule(queues, { ...rule, status: 'enabled' });
    }
    if (rows.length < PAGE_SIZE) break;
    after = rows.at(-1)!.id;
  }
  const stale = [...existing].filter((id) => !enabled.has(id));
  for (const id of stale) await syncSchedule(queues, { id, status: 'deleted' });
  return { enabled: enabled.size, restored, removed: stale.length };
}

/** At start and then every interval: Redis may lose schedulers (a flush, a restart without persistence). */
export function automationSchedulerSync(deps: Pick<ServiceDeps, 'db' | 'queues' | 'logger'>, intervalMs = SCHEDULER_SYNC_INTERVAL_MS): BackgroundTask {
  return periodicTask('automation rule schedulers', intervalMs, deps.logger, async () => {
    const result = await syncRuleSchedulers(deps.db, deps.queues);
    if (result.restored > 0 || result.removed > 0) deps.logger.warn(result, 'automation rule schedulers repaired');
    return result;
  });
}
