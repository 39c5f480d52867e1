import { UnrecoverableError } from 'bullmq';
import { putOff, type JobHandler } from '@stratus/queues';
import type { ServiceDeps } from '@stratus/runtime';
import { advanceExecution } from '../modules/workflows/workflow-executions.service.ts';
import { UNCOMMITTED_GIVE_UP_MS, UNCOMMITTED_RETRY_MS } from './operation-execute.job.ts';

/**
 * Runs an execution's steps until it waits or ends. A wait (a duration, actions under way or
 * awaiting approval) puts the job off until the step's next look, without spending an attempt.
 */
export function workflowExecutionRunJob(deps: Pick<ServiceDeps, 'db' | 'queues'>): JobHandler<'workflow.execution.run'> {
  return async ({ execution_id, organization_id }, job, token) => {
    const result = await advanceExecution(deps.db, deps.queues, organization_id, execution_id);
    switch (result.kind) {
      case 'missing':
        if (Date.now() - job.timestamp > UNCOMMITTED_GIVE_UP_MS) throw new UnrecoverableError(`workflow execution ${execution_id} does not exist`);
        return putOff(job, token, UNCOMMITTED_RETRY_MS);
      case 'waiting':
        return putOff(job, token, Math.max(result.until.getTime() - Date.now(), 0));
      case 'skipped':
        return { status: 'skipped', reason: result.reason };
      case 'finished':
        return { status: 'done', execution_id, outcome: result.status };
    }
  };
}
