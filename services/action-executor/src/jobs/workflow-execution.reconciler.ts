import { sql } from 'kysely';
import { durableWork, reconcile } from '@stratus/queues';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';
import { executionJobId } from '../modules/workflows/workflow-executions.service.ts';
import { RECONCILE_INTERVAL_MS } from './operation-execute.reconciler.ts';

/** Queued and running workflow executions, each carried by the job of its current attempt. */
export function unfinishedExecutions(db: ServiceDeps['db']) {
  return durableWork({
    name: 'workflow executions',
    job: 'workflow.execution.run',
    unfinished: async ({ after, limit }) => {
      const { rows } = await sql<{ id: string; organization_id: string; attempt: number }>`
        select id, organization_id, attempt from stratus_unfinished_workflow_executions(${after ?? null}::uuid, ${limit}::integer)
      `.execute(db);
      return rows;
    },
    cursorOf: (row) => row.id,
    jobOf: (row) => ({ jobId: executionJobId(row), payload: { execution_id: row.id, organization_id: row.organization_id } }),
  });
}

/** Gives a running execution its job back when Redis lost it: at start, then every interval. */
export function workflowExecutionReconciler(deps: Pick<ServiceDeps, 'db' | 'queues' | 'logger'>, intervalMs = RECONCILE_INTERVAL_MS): BackgroundTask {
  const work = unfinishedExecutions(deps.db);
  return periodicTask('workflow executions reconciler', intervalMs, deps.logger, () => reconcile(deps.queues, work, { logger: deps.logger }));
}
