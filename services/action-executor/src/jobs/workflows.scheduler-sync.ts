import { sql } from 'kysely';
import { withTenant } from '@stratus/db';
import type { Queues } from '@stratus/queues';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';
import { workflowDefinition } from '../modules/workflows/workflow-definition.ts';
import { syncWorkflowSchedule, workflowIdOfScheduler } from '../modules/workflows/workflows.service.ts';
import { SCHEDULER_SYNC_INTERVAL_MS } from './automation-rules.scheduler-sync.ts';

/**
 * One pass: every active scheduled workflow gets its job scheduler back (upserted, idempotent), and
 * schedulers of workflows deleted, disabled or changed to another trigger while Redis missed the
 * removal are removed.
 */
export async function syncWorkflowSchedulers(db: ServiceDeps['db'], queues: Pick<Queues, 'schedule' | 'unschedule' | 'schedulerIds'>) {
  const existing = new Set((await queues.schedulerIds('automation')).flatMap((id) => workflowIdOfScheduler(id) ?? []));
  const { rows } = await sql<{ id: string; organization_id: string }>`select id, organization_id from stratus_scheduled_workflows()`.execute(db);
  for (const { id, organization_id } of rows) {
    const workflow = await withTenant(db, organization_id, (trx) => trx.selectFrom('workflows').select(['id', 'organization_id', 'status', 'definition']).where('id', '=', id).executeTakeFirst());
    if (workflow) await syncWorkflowSchedule(queues, { ...workflow, definition: workflowDefinition.parse(workflow.definition) });
  }
  const active = new Set(rows.map((row) => row.id));
  const stale = [...existing].filter((id) => !active.has(id));
  for (const id of stale) await syncWorkflowSchedule(queues, { id, status: 'deleted' });
  return { scheduled: active.size, restored: rows.filter((row) => !existing.has(row.id)).length, removed: stale.length };
}

/** At start and then every interval: Redis may lose schedulers (a flush, a restart without persistence). */
export function workflowSchedulerSync(deps: Pick<ServiceDeps, 'db' | 'queues' | 'logger'>, intervalMs = SCHEDULER_SYNC_INTERVAL_MS): BackgroundTask {
  return periodicTask('workflow schedulers', intervalMs, deps.logger, async () => {
    const result = await syncWorkflowSchedulers(deps.db, deps.queues);
    if (result.restored > 0 || result.removed > 0) deps.logger.warn(result, 'workflow schedulers repaired');
    return result;
  });
}
