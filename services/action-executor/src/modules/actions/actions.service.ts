import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { jsonRows, type ActionStatus, type ActionType, type Database } from '@stratus/db';
import type { PublishManyItem } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { actionEvents, publishActionEvents, type ActionRef } from './action-events.ts';

type Trx = Transaction<Database>;

/** States an action moves on from; every other one is where it ended. */
export const LIVE_STATUSES: readonly ActionStatus[] = ['pending', 'awaiting_approval', 'approved', 'queued', 'running'];
/** The ends an operation reports (with its own event, see finishAction); the others end before any operation ran. */
const OPERATION_ENDS: readonly ActionStatus[] = ['success', 'error'];

export class ActionNotFoundError extends Error {
  override name = 'ActionNotFoundError';
}

export interface HistoryEntry {
  organization_id: string;
  action_id: string;
  status: ActionStatus;
  actor: string | null;
  details?: string;
  result?: Record<string, unknown>;
}

/**
 * Rows of actions' history, in one statement. Stamped with the clock, evaluated row by row, not
 * the transaction's start, so that the changes one transaction makes (pending, then queued) keep
 * their order.
 */
export async function recordHistory(trx: Trx, ...entries: HistoryEntry[]): Promise<void> {
  const rows = entries.map((entry) => ({
    organization_id: entry.organization_id,
    action_id: entry.action_id,
    status: entry.status,
    executed_by: entry.actor,
    details: entry.details ?? null,
    result: entry.result ?? null,
  }));
  await trx
    .insertInto('action_history')
    .columns(['organization_id', 'action_id', 'status', 'executed_at', 'executed_by', 'details', 'result'])
    .expression((eb) =>
      eb
        .selectFrom(jsonRows('action_history', rows).as('h'))
        .select(['h.organization_id', 'h.action_id', 'h.status', sql<Date>`clock_timestamp()`.as('executed_at'), 'h.executed_by', 'h.details', 'h.result']),
    )
    .execute();
}

/** Records a status change of an action and its action_history row (one trx), and announces an end (announceEnd). */
export async function transitionAction(
  trx: Trx,
  actionId: string,
  to: ActionStatus,
  change: { actor: string | null; details?: string; result?: Record<string, unknown> },
): Promise<void> {
  const action = await trx
    .updateTable('actions')
    .set({ status: to })
    .where('id', '=', actionId)
    .returning(['id', 'organization_id', 'action_type', 'resource_id'])
    .executeTakeFirst();
  if (!action) throw new ActionNotFoundError(`action ${actionId} does not exist`);
  await recordHistory(trx, { organization_id: action.organization_id, action_id: actionId, status: to, ...change });
  await announceEnd(trx, action, to, change.details);
}

/**
 * An action that ends without an operation (rejected, cancelled, expired) publishes action.failed,
 * not worth retrying, so whoever requested it (a recommendation) learns it will not run.
 */
export async function announceEnd(trx: Trx, action: ActionRef, to: ActionStatus, details: string | undefined): Promise<void> {
  await publishActionEvents(trx, endEvents(action, to, details));
}

/** The event announceEnd writes, if any, for a caller that writes the events of many actions at once. */
export function endEvents(action: ActionRef, to: ActionStatus, details: string | undefined): PublishManyItem[] {
  return !LIVE_STATUSES.includes(to) && !OPERATION_ENDS.includes(to) && action.resource_id !== null
    ? [actionEvents.failed(action, { message: details ?? `action ${to}`, retryable: false })]
    : [];
}

export interface PlannedOperation {
  resource_id: string;
  operation: ActionType;
  params: Record<string, unknown>;
}

/** The operations an action runs: one per resource it touches (one today). */
export function operationsOf(action: { resource_id: string | null; action_type: ActionType; parameters: Record<string, unknown> }): PlannedOperation[] {
  return action.resource_id === null ? [] : [{ resource_id: action.resource_id, operation: action.action_type, params: action.parameters }];
}

/**
 * Sends an allowed or approved action to execution: operations rows `queued`, status `queued`,
 * history. Returns the operation ids, which the caller enqueues after commit with
 * enqueueOperations. An action already released (a redelivered approval) releases nothing again.
 */
export async function releaseAction(trx: Trx, actionId: string, actor: string | null): Promise<string[]> {
  const action = await trx
    .selectFrom('actions')
    .select(['id', 'organization_id', 'resource_id', 'action_type', 'parameters', 'status'])
    .where('id', '=', actionId)
    .forUpdate()
    .executeTakeFirst();
  if (!action) throw new ActionNotFoundError(`action ${actionId} does not exist`);
  if (action.status !== 'pending' && action.status !== 'approved') return [];
  const ids = await insertOperations(trx, action, actor);
  await transitionAction(trx, actionId, 'queued', { actor, result: { operation_ids: ids } });
  return ids;
}

type OperationOwner = { id: string; organization_id: string; resource_id: string | null; action_type: ActionType; parameters: Record<string, unknown> };

/**
 * The action's operations rows, `queued`. Their ids are drawn here rather than by the database,
 * so that the history row naming them goes in the same statement as the others (no RETURNING to wait for).
 */
export async function insertOperations(trx: Trx, action: OperationOwner, actor: string | null): Promise<string[]> {
  return (await insertOperationsOf(trx, [{ action, actor }]))[0]!;
}

/** The operations rows of many actions in one statement: the ids of each action's, in order. */
export async function insertOperationsOf(trx: Trx, owners: readonly { action: OperationOwner; actor: string | null }[]): Promise<string[][]> {
  const planned = owners.map(({ action, actor }) => operationsOf(action).map((operation) => ({ id: randomUUID(), action, actor, ...operation })));
  const rows = planned.flat();
  if (rows.length > 0) {
    const values = rows.map((operation) => ({
      id: operation.id,
      organization_id: operation.action.organization_id,
      action_id: operation.action.id,
      user_id: operation.actor,
      resource_id: operation.resource_id,
      operation: operation.operation,
      params: operation.params,
    }));
    await trx
      .insertInto('operations')
      .columns(['id', 'organization_id', 'action_id', 'user_id', 'resource_id', 'operation', 'params'])
      .expression((eb) =>
        eb.selectFrom(jsonRows('operations', values).as('o')).select(['o.id', 'o.organization_id', 'o.action_id', 'o.user_id', 'o.resource_id', 'o.operation', 'o.params']),
      )
      .execute();
  }
  return planned.map((operations) => operations.map((operation) => operation.id));
}

/**
 * One operation.execute job per operation, under the operation's id, so enqueueing twice is a
 * no-op; all of them in one round trip.
 */
export async function enqueueOperations(queues: Pick<Queues, 'enqueueMany'>, organizationId: string, operationIds: readonly string[]): Promise<void> {
  await queues.enqueueMany(
    'operation.execute',
    operationIds.map((operationId) => ({ payload: { operation_id: operationId, organization_id: organizationId }, options: { jobId: operationId } })),
  );
}
