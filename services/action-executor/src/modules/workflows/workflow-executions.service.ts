import type { Kysely, Transaction } from 'kysely';
import { withTenant, type Database, type JsonObject, type WorkflowTriggerType } from '@stratus/db';
import { AppError } from '@stratus/http';
import type { Queues } from '@stratus/queues';
import { outbox } from '../actions/action-events.ts';
import { enqueueOperations, transitionAction } from '../actions/actions.service.ts';
import { workflowDefinition, type WorkflowDefinition } from './workflow-definition.ts';
import { runStep, type ExecutionResults, type ExecutionTrigger, type StepRecord } from './workflow-steps.ts';

type Trx = Transaction<Database>;

/** BullMQ keeps a failed job under its id: each attempt of an execution runs under its own. */
export function executionJobId(execution: { id: string; attempt: number }): string {
  return `${execution.id}-${execution.attempt}`;
}

export async function enqueueExecution(queues: Pick<Queues, 'enqueue' | 'enqueueMany'>, organizationId: string, execution: { id: string; attempt: number }): Promise<void> {
  await queues.enqueue('workflow.execution.run', { execution_id: execution.id, organization_id: organizationId }, { jobId: executionJobId(execution) });
}

/**
 * Starts an execution of a workflow with the definition it has now. `trigger_key` (an event id, a
 * scheduler tick) makes the trigger idempotent: a second delivery finds the execution and starts
 * none. Returns the new execution, or undefined when that trigger started one already.
 */
export async function createExecution(
  trx: Trx,
  workflow: { id: string; organization_id: string; definition: WorkflowDefinition },
  trigger: ExecutionTrigger & { key: string | null; triggered_by: string | null },
): Promise<{ id: string; attempt: number } | undefined> {
  const { key, triggered_by, ...recorded } = trigger;
  const results: ExecutionResults = { definition: workflow.definition, trigger: recorded, current: workflow.definition.steps[0]!.id, path: [], steps: {} };
  return trx
    .insertInto('workflow_executions')
    .values({ organization_id: workflow.organization_id, workflow_id: workflow.id, triggered_by, trigger_key: key, results: JSON.stringify(results) })
    .onConflict((conflict) => conflict.columns(['workflow_id', 'trigger_key']).where('trigger_key', 'is not', null).doNothing())
    .returning(['id', 'attempt'])
    .executeTakeFirst();
}

export type AdvanceResult =
  | { kind: 'missing' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'continue' }
  | { kind: 'waiting'; until: Date }
  | { kind: 'finished'; status: 'success' | 'error' };

function eventBase(row: { workflow_id: string; id: string; attempt: number }, workflowName: string) {
  return { workflow_id: row.workflow_id, execution_id: row.id, workflow_name: workflowName, attempt: row.attempt };
}

/** One step of the execution in one transaction (the row locked): run it, record it, move on. */
async function stepOnce(trx: Trx, organizationId: string, executionId: string, now: Date): Promise<AdvanceResult & { operation_ids?: string[] }> {
  const row = await trx.selectFrom('workflow_executions').selectAll().where('id', '=', executionId).forUpdate().executeTakeFirst();
  if (!row) return { kind: 'missing' };
  if (row.status !== 'queued' && row.status !== 'running') return { kind: 'skipped', reason: `execution ${row.status}` };
  const workflow = await trx.selectFrom('workflows').select(['name', 'trigger_type']).where('id', '=', row.workflow_id).executeTakeFirstOrThrow();
  const results = row.results as unknown as ExecutionResults;
  const base = eventBase(row, workflow.name);

  if (row.status === 'queued') {
    await trx.updateTable('workflow_executions').set({ status: 'running' }).where('id', '=', row.id).execute();
    await outbox.publish(trx, 'workflow_execution.started', {
      tenant: organizationId,
      data: { ...base, trigger_type: workflow.trigger_type as WorkflowTriggerType, step_id: results.current ?? '' },
    });
  }
  if (results.current === null) {
    await trx.updateTable('workflow_executions').set({ status: 'success', completed_at: now }).where('id', '=', row.id).execute();
    await outbox.publish(trx, 'workflow_execution.completed', { tenant: organizationId, data: { ...base, steps: results.path } });
    return { kind: 'finished', status: 'success' };
  }

  const definition = workflowDefinition.parse(results.definition);
  const index = definition.steps.findIndex((candidate) => candidate.id === results.current);
  const step = definition.steps[index]!;
  const previous = results.steps[step.id];
  const outcome = await runStep({ trx, organization_id: organizationId, execution: row, results: { ...results, definition }, now }, step, row.workflow_id);
  const record: StepRecord = {
    ...(previous?.previous_errors ? { previous_errors: previous.previous_errors } : {}),
    status: outcome.status,
    started_at: previous?.status === 'waiting' ? previous.started_at : now.toISOString(),
    attempt: row.attempt,
    ...(outcome.output ? { output: outcome.output } : {}),
    ...(outcome.status === 'waiting' ? {} : { finished_at: now.toISOString() }),
    ...(outcome.status === 'error' ? { error: outcome.error } : {}),
  };
  const next: ExecutionResults = { ...results, steps: { ...results.steps, [step.id]: record } };
  let result: AdvanceResult;
  if (outcome.status === 'success') {
    next.path = [...results.path, step.id];
    next.current = outcome.next !== undefined ? outcome.next : (definition.steps[index + 1]?.id ?? null);
    result = { kind: 'continue' };
  } else if (outcome.status === 'waiting') {
    result = { kind: 'waiting', until: outcome.until };
  } else {
    await outbox.publish(trx, 'workflow_execution.failed', { tenant: organizationId, data: { ...base, step_id: step.id, error: outcome.error } });
    result = { kind: 'finished', status: 'error' };
  }
  await trx
    .updateTable('workflow_executions')
    .set({ results: JSON.stringify(next), ...(outcome.status === 'error' ? { status: 'error' as const, completed_at: now } : {}) })
    .where('id', '=', row.id)
    .execute();
  return { ...result, ...(outcome.operation_ids ? { operation_ids: outcome.operation_ids } : {}) };
}

/**
 * Runs the execution's steps one at a time until it waits, ends or is no longer running. Each step
 * commits with its record before the next begins, so a crash repeats at most the step in flight,
 * and the operations a step requested are enqueued after its commit (the operations reconciler
 * covers a crash in between).
 */
export async function advanceExecution(
  db: Kysely<Database>,
  queues: Pick<Queues, 'enqueue' | 'enqueueMany'>,
  organizationId: string,
  executionId: string,
  clock: () => Date = () => new Date(),
): Promise<Exclude<AdvanceResult, { kind: 'continue' }>> {
  for (;;) {
    const result = await withTenant(db, organizationId, (trx) => stepOnce(trx, organizationId, executionId, clock()));
    if (result.operation_ids) await enqueueOperations(queues, organizationId, result.operation_ids);
    if (result.kind !== 'continue') return result;
  }
}

async function lockedExecution(trx: Trx, id: string) {
  const row = await trx.selectFrom('workflow_executions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('not_found', `workflow execution ${id} not found`);
  return row;
}

/**
 * A failed execution runs again from the step it failed at, as a new attempt: the steps before it
 * keep their results and are not run again.
 */
export async function resumeExecution(trx: Trx, id: string): Promise<{ id: string; attempt: number }> {
  const row = await lockedExecution(trx, id);
  if (row.status !== 'error') throw new AppError('conflict', `workflow execution ${id} is ${row.status}: only a failed execution can be resumed`);
  const results = row.results as unknown as ExecutionResults;
  const failed = results.current === null ? undefined : results.steps[results.current];
  const steps = { ...results.steps };
  if (results.current !== null && failed) {
    delete steps[results.current];
    const errors = [...(failed.previous_errors ?? []), ...(failed.error ? [failed.error] : [])];
    if (errors.length > 0) steps[results.current] = { previous_errors: errors } as StepRecord;
  }
  const attempt = row.attempt + 1;
  await trx
    .updateTable('workflow_executions')
    .set({ status: 'queued', attempt, completed_at: null, results: JSON.stringify({ ...results, steps } satisfies ExecutionResults as unknown as JsonObject) })
    .where('id', '=', id)
    .execute();
  return { id, attempt };
}

/**
 * Stops an execution where it is; the actions its current step requested and that have not been
 * released yet (waiting for approval) are cancelled with it. Actions already running finish.
 */
export async function cancelExecution(trx: Trx, id: string, actor: string): Promise<{ cancelled_actions: number }> {
  const row = await lockedExecution(trx, id);
  if (row.status === 'success' || row.status === 'cancelled') throw new AppError('conflict', `workflow execution ${id} is ${row.status}: there is nothing to cancel`);
  const results = row.results as unknown as ExecutionResults;
  const current = results.current === null ? undefined : results.steps[results.current];
  const actionIds = (current?.status === 'waiting' ? (current.output?.action_ids ?? []) : []) as string[];
  const pending =
    actionIds.length === 0
      ? []
      : await trx.selectFrom('actions').select('id').where('id', 'in', actionIds).where('status', 'in', ['pending', 'awaiting_approval']).forUpdate().execute();
  for (const action of pending) await transitionAction(trx, action.id, 'cancelled', { actor, details: `workflow execution ${id} cancelled` });
  await trx.updateTable('workflow_executions').set({ status: 'cancelled', completed_at: new Date() }).where('id', '=', id).execute();
  return { cancelled_actions: pending.length };
}
