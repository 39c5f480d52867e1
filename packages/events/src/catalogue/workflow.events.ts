import { z } from 'zod';
import { WORKFLOW_TRIGGER_TYPES } from '@stratus/db';
import { defineEvent } from './event-definition.ts';
import { id } from './fields.ts';

// Every workflow event is keyed by its execution, so the started, notified and finished events of
// one execution stay in order.

const execution = {
  workflow_id: id,
  execution_id: id,
  workflow_name: z.string(),
  /** Runs of the execution: 1, then one more for each resume. */
  attempt: z.number().int().positive(),
};

export const workflowExecutionStarted = defineEvent({
  type: 'workflow_execution.started',
  description: 'A workflow execution began its first step (or, after a resume, the step it failed at).',
  subject: 'execution_id',
  schema: z.object({ ...execution, trigger_type: z.enum(WORKFLOW_TRIGGER_TYPES), step_id: z.string() }),
  subjectOf: (data) => data.execution_id,
});

export const workflowExecutionCompleted = defineEvent({
  type: 'workflow_execution.completed',
  description: 'Every step of a workflow execution on its path succeeded.',
  subject: 'execution_id',
  schema: z.object({ ...execution, steps: z.array(z.string()).describe('the ids of the steps run, in order') }),
  subjectOf: (data) => data.execution_id,
});

export const workflowExecutionFailed = defineEvent({
  type: 'workflow_execution.failed',
  description: 'A step of a workflow execution failed; the execution can be resumed from it (POST /v1/workflow-executions/:id/resume).',
  subject: 'execution_id',
  schema: z.object({ ...execution, step_id: z.string(), error: z.string() }),
  subjectOf: (data) => data.execution_id,
});

export const workflowNotificationRequested = defineEvent({
  type: 'workflow.notification_requested',
  description:
    "A workflow's notify step asks that the organisation, or one team of it (team_id), be told something (the audit service notifies it; a team deleted since is replaced by the whole organisation).",
  subject: 'execution_id',
  schema: z.object({ workflow_id: id, execution_id: id, step_id: z.string(), title: z.string(), message: z.string(), team_id: id.optional() }),
  subjectOf: (data) => data.execution_id,
});
