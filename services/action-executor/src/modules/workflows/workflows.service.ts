import { sql, type Transaction } from 'kysely';
import type { Database, JsonObject, JsonValue } from '@stratus/db';
import type { EventEnvelope } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { workflowDefinition, type WorkflowDefinition, type WorkflowEventType } from './workflow-definition.ts';
import { createExecution, enqueueExecution } from './workflow-executions.service.ts';
import { compare } from './workflow-steps.ts';

type Trx = Transaction<Database>;

const SCHEDULER_PREFIX = 'workflow-';
/** The automation queue carries other schedulers (rules, schedules): only ids of this shape are workflows'. */
const WORKFLOW_SCHEDULER = new RegExp(`^${SCHEDULER_PREFIX}([0-9a-f-]{36})$`);

export function schedulerIdOf(workflowId: string): string {
  return `${SCHEDULER_PREFIX}${workflowId}`;
}

export function workflowIdOfScheduler(schedulerId: string): string | undefined {
  return WORKFLOW_SCHEDULER.exec(schedulerId)?.[1];
}

export interface ScheduledWorkflow {
  id: string;
  organization_id: string;
  status: string;
  definition: WorkflowDefinition;
}

/**
 * Makes the workflow's job scheduler follow it: an active scheduled workflow has one (upserted, so
 * a changed cron replaces the old), any other none. Called after the workflow's transaction
 * commits; a call lost in between is repaired by the scheduler sync.
 */
export async function syncWorkflowSchedule(queues: Pick<Queues, 'schedule' | 'unschedule'>, workflow: ScheduledWorkflow | { id: string; status: 'deleted' }): Promise<void> {
  const trigger = 'definition' in workflow ? workflow.definition.trigger : undefined;
  if ('definition' in workflow && workflow.status === 'active' && trigger?.type === 'scheduled') {
    await queues.schedule(schedulerIdOf(workflow.id), 'workflow.trigger', { workflow_id: workflow.id, organization_id: workflow.organization_id }, { pattern: trigger.cron, tz: trigger.timezone });
  } else {
    await queues.unschedule('automation', schedulerIdOf(workflow.id));
  }
}

/** A field of the event data by its dot path. */
function fieldAt(data: JsonObject, path: string): JsonValue | undefined {
  let node: JsonValue | undefined = data;
  for (const key of path.split('.')) node = node !== null && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined;
  return node;
}

/** Whether the event data passes the trigger's filter: every field equal to its value, or satisfying its comparison. */
export function passesFilter(filter: Extract<WorkflowDefinition['trigger'], { type: 'event-based' }>['filter'], data: JsonObject): boolean {
  return Object.entries(filter).every(([path, expected]) => {
    const value = fieldAt(data, path);
    return typeof expected === 'object' ? compare(value, expected.op, expected.than) : compare(value, '=', expected);
  });
}

/**
 * Starts an execution of every active workflow the event triggers (its type, its filter), keyed by
 * the event id, so a redelivered event starts nothing twice. The jobs are enqueued as the
 * transaction's last step: one that runs before the commit finds no row yet and comes back shortly.
 */
export async function triggerWorkflows(trx: Trx, queues: Pick<Queues, 'enqueue' | 'enqueueMany'>, event: EventEnvelope<WorkflowEventType>): Promise<number> {
  const workflows = await trx
    .selectFrom('workflows')
    .select(['id', 'organization_id', 'definition'])
    .where('trigger_type', '=', 'event-based')
    .where('status', '=', 'active')
    .where(sql<boolean>`definition -> 'trigger' ->> 'event_type' = ${event.type}`)
    .execute();
  const data = event.data as JsonObject;
  const started: { id: string; attempt: number }[] = [];
  for (const workflow of workflows) {
    const definition = workflowDefinition.parse(workflow.definition);
    if (definition.trigger.type !== 'event-based' || !passesFilter(definition.trigger.filter, data)) continue;
    const execution = await createExecution(trx, { ...workflow, definition }, { type: 'event-based', event_type: event.type, event_id: event.id, data, key: event.id, triggered_by: null });
    if (execution) started.push(execution);
  }
  for (const execution of started) await enqueueExecution(queues, event.tenant, execution);
  return started.length;
}
