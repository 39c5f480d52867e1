import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { Duration } from 'luxon';
import type { Database, JsonObject, JsonValue } from '@stratus/db';
import { matchResources, parseMatch } from '@stratus/match';
import { LIVE_STATUSES } from '../actions/actions.service.ts';
import { recordActionRequest } from '../actions/requests.service.ts';
import { outbox } from '../actions/action-events.ts';
import { resourcesStepOf, type Comparison, type WorkflowDefinition, type WorkflowStep } from './workflow-definition.ts';

type Trx = Transaction<Database>;

/** How often a step waiting on actions (and their approvals) looks at them again. */
export const ACTION_POLL_MS = 5_000;

export type StepStatus = 'waiting' | 'success' | 'error';

/** One step's record in workflow_executions.results.steps. */
export interface StepRecord {
  status: StepStatus;
  started_at: string;
  finished_at?: string;
  output?: JsonObject;
  error?: string;
  /** The execution attempt that ran it (a resume starts the next one). */
  attempt: number;
  /** Errors of earlier attempts at this step, kept when it is resumed. */
  previous_errors?: string[];
}

export interface ExecutionTrigger {
  type: 'manual' | 'scheduled' | 'event-based';
  event_type?: string;
  event_id?: string;
  tick?: string;
  data?: JsonObject;
}

/** workflow_executions.results: the definition as it was when the execution started, and the progress. */
export interface ExecutionResults {
  definition: WorkflowDefinition;
  trigger: ExecutionTrigger;
  /** The step to run next; null once the last step on the path succeeded. */
  current: string | null;
  /** The steps run, in order. */
  path: string[];
  steps: Record<string, StepRecord>;
}

export interface StepContext {
  trx: Trx;
  organization_id: string;
  execution: { id: string; triggered_by: string | null; attempt: number };
  results: ExecutionResults;
  now: Date;
}

export type StepOutcome =
  | { status: 'success'; output: JsonObject; next?: string | null }
  | { status: 'waiting'; output: JsonObject; until: Date }
  | { status: 'error'; error: string; output?: JsonObject };

/** The values a branch and a notification may name: `steps.<id>.<field>` and `trigger.<field>`. */
function valueAt(results: ExecutionResults, path: string): JsonValue | undefined {
  const trigger = { type: results.trigger.type, event_type: results.trigger.event_type ?? null, event_id: results.trigger.event_id ?? null, ...results.trigger.data };
  const outputs = Object.fromEntries(Object.entries(results.steps).map(([id, record]) => [id, record.output ?? {}]));
  let node: JsonValue | undefined = { steps: outputs, trigger } as JsonObject;
  for (const key of path.split('.')) {
    node = node !== null && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined;
  }
  return node;
}

/** `{{steps.find.count}}` replaced by the value (JSON for objects); an unknown path by an empty string. */
export function render(template: string, results: ExecutionResults): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g, (_, path: string) => {
    const value = valueAt(results, path);
    if (value === undefined || value === null) return '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}

/**
 * Numbers compare as numbers, decimal strings ("80.00", as money travels) included; anything else
 * compares as text, and only = and != hold between a number and a text.
 */
export function compare(value: JsonValue | undefined, op: Comparison, than: number | string | boolean): boolean {
  const numeric = (input: unknown) => (typeof input === 'number' ? input : typeof input === 'string' && /^-?\d+(\.\d+)?$/.test(input) ? Number(input) : undefined);
  const left = numeric(value);
  const right = numeric(than);
  const [a, b] = left !== undefined && right !== undefined ? [left, right] : [String(value ?? ''), String(than)];
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

async function select(ctx: StepContext, step: Extract<WorkflowStep, { type: 'select' }>): Promise<StepOutcome> {
  const page = await matchResources(ctx.trx, ctx.organization_id, parseMatch(step.match), { limit: step.limit });
  if (page.next !== null) return { status: 'error', error: `the match selects more than ${step.limit} resources (the step's limit)` };
  const resource_ids = page.resources.map((resource) => resource.id);
  return { status: 'success', output: { match: step.match, count: resource_ids.length, resource_ids } };
}

/** Requests the actions (first run), then waits until every one has ended. */
async function action(ctx: StepContext, step: Extract<WorkflowStep, { type: 'action' }>, record: StepRecord | undefined): Promise<StepOutcome & { operation_ids?: string[] }> {
  const { definition } = ctx.results;
  if (record?.status !== 'waiting') {
    const resourceIds = (ctx.results.steps[resourcesStepOf(definition, step)]?.output?.resource_ids ?? []) as string[];
    const requiresApproval = ctx.results.path.some((id) => definition.steps.find((candidate) => candidate.id === id)?.type === 'require_approval');
    const actionIds: string[] = [];
    const operationIds: string[] = [];
    for (const resourceId of resourceIds) {
      const actionId = randomUUID();
      const outcome = await recordActionRequest(ctx.trx, {
        organization_id: ctx.organization_id,
        action_id: actionId,
        action_type: step.action_type,
        resource_id: resourceId,
        parameters: step.parameters,
        requested_by: ctx.execution.triggered_by,
        recommendation_id: null,
        requires_approval: requiresApproval,
      });
      actionIds.push(actionId);
      if (outcome.recorded) operationIds.push(...outcome.operation_ids);
    }
    const output = { action_type: step.action_type, requires_approval: requiresApproval, action_ids: actionIds };
    if (actionIds.length === 0) return { status: 'success', output: { ...output, succeeded: 0 } };
    return { status: 'waiting', output, until: new Date(ctx.now.getTime() + ACTION_POLL_MS), operation_ids: operationIds };
  }
  const output = record.output ?? {};
  const actionIds = (output.action_ids ?? []) as string[];
  const actions = await ctx.trx.selectFrom('actions').select(['id', 'status']).where('id', 'in', actionIds).execute();
  if (actions.some((candidate) => LIVE_STATUSES.includes(candidate.status))) return { status: 'waiting', output, until: new Date(ctx.now.getTime() + ACTION_POLL_MS) };
  const failed = actions.filter((candidate) => candidate.status !== 'success');
  if (failed.length > 0) {
    const listed = failed.slice(0, 10).map((candidate) => `${candidate.id} ${candidate.status}`).join(', ');
    return { status: 'error', output, error: `${failed.length} of ${actions.length} actions did not succeed: ${listed}` };
  }
  return { status: 'success', output: { ...output, succeeded: actions.length } };
}

function wait(ctx: StepContext, step: Extract<WorkflowStep, { type: 'wait' }>, record: StepRecord | undefined): StepOutcome {
  const until = record?.status === 'waiting' ? new Date(String(record.output?.until)) : new Date(ctx.now.getTime() + Duration.fromISO(step.duration).as('milliseconds'));
  const output = { duration: step.duration, until: until.toISOString() };
  return ctx.now >= until ? { status: 'success', output } : { status: 'waiting', output, until };
}

async function notify(ctx: StepContext, step: Extract<WorkflowStep, { type: 'notify' }>, workflowId: string): Promise<StepOutcome> {
  const title = render(step.title, ctx.results);
  const message = render(step.message, ctx.results);
  const told = { title, message, ...(step.team_id ? { team_id: step.team_id } : {}) };
  const { id } = await outbox.publish(ctx.trx, 'workflow.notification_requested', {
    tenant: ctx.organization_id,
    data: { workflow_id: workflowId, execution_id: ctx.execution.id, step_id: step.id, ...told },
  });
  return { status: 'success', output: { event_id: id, ...told } };
}

function branch(ctx: StepContext, step: Extract<WorkflowStep, { type: 'branch' }>): StepOutcome {
  const value = valueAt(ctx.results, step.when.value);
  const held = compare(value, step.when.op, step.when.than);
  const next = held ? step.then : step.else;
  return { status: 'success', output: { value: value ?? null, held, ...(next === undefined ? {} : { next }) }, ...(next === undefined ? {} : { next }) };
}

/** Runs one step (or looks again at one that waits). */
export async function runStep(ctx: StepContext, step: WorkflowStep, workflowId: string): Promise<StepOutcome & { operation_ids?: string[] }> {
  const record = ctx.results.steps[step.id];
  switch (step.type) {
    case 'select':
      return select(ctx, step);
    case 'require_approval':
      return { status: 'success', output: { required: true } };
    case 'action':
      return action(ctx, step, record);
    case 'wait':
      return wait(ctx, step, record);
    case 'notify':
      return notify(ctx, step, workflowId);
    case 'branch':
      return branch(ctx, step);
  }
}
