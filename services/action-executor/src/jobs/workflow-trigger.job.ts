import { withTenant } from '@stratus/db';
import type { JobHandler } from '@stratus/queues';
import type { ServiceDeps } from '@stratus/runtime';
import { workflowDefinition } from '../modules/workflows/workflow-definition.ts';
import { createExecution, enqueueExecution } from '../modules/workflows/workflow-executions.service.ts';

/**
 * A scheduled workflow's cron tick: one execution per tick. The scheduler's job id names the tick
 * (`repeat:<scheduler>:<millis>`), so a redelivered job finds the execution of its tick and starts
 * none.
 */
export function workflowTriggerJob(deps: Pick<ServiceDeps, 'db' | 'queues'>): JobHandler<'workflow.trigger'> {
  return async ({ workflow_id, organization_id }, job) => {
    const tick = job.id ?? String(job.timestamp);
    const execution = await withTenant(deps.db, organization_id, async (trx) => {
      const workflow = await trx.selectFrom('workflows').select(['id', 'organization_id', 'status', 'trigger_type', 'definition']).where('id', '=', workflow_id).executeTakeFirst();
      if (!workflow || workflow.status !== 'active' || workflow.trigger_type !== 'scheduled') return undefined;
      const definition = workflowDefinition.parse(workflow.definition);
      return createExecution(trx, { ...workflow, definition }, { type: 'scheduled', tick, key: `tick:${tick}`, triggered_by: null });
    });
    if (!execution) return { status: 'skipped', reason: 'workflow gone, not active or not scheduled, or this tick started an execution already' };
    await enqueueExecution(deps.queues, organization_id, execution);
    return { status: 'done', execution_id: execution.id };
  };
}
