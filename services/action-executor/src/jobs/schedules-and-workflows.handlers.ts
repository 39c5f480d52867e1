import type { JobHandlers } from '@stratus/queues';
import type { ServiceDeps } from '@stratus/runtime';
import { schedulesConvergeJob } from './schedules-converge.job.ts';
import { workflowExecutionRunJob } from './workflow-execution-run.job.ts';
import { workflowTriggerJob } from './workflow-trigger.job.ts';

/** The automation queue's jobs of off-hours schedules and workflows (the automation worker runs them beside rule runs). */
export function schedulesAndWorkflowsHandlers(deps: Pick<ServiceDeps, 'db' | 'queues' | 'logger'>): Omit<JobHandlers<'automation'>, 'automation.rule.run'> {
  return {
    'schedules.converge': schedulesConvergeJob(deps),
    'workflow.trigger': workflowTriggerJob(deps),
    'workflow.execution.run': workflowExecutionRunJob(deps),
  };
}
