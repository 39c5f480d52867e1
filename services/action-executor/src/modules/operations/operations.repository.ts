import { sql, type Transaction } from 'kysely';
import type { ActionType, CloudProvider, Database, JsonObject, OperationStatus } from '@stratus/db';
import type { ResourceKind } from '@stratus/cloud';
import { actionEvents } from '../actions/action-events.ts';
import { historyRow } from '../actions/actions.service.ts';

type Trx = Transaction<Database>;

/** An operation with what executing it needs: its action, resource and cloud account. */
export interface OperationTarget {
  id: string;
  organization_id: string;
  status: OperationStatus;
  attempts: number;
  operation: ActionType;
  params: Record<string, unknown>;
  action: { id: string; organization_id: string; action_type: ActionType; resource_id: string | null } | null;
  resource: {
    id: string;
    provider_resource_id: string;
    type: ResourceKind;
    region: string | null;
    state: string | null;
    tags: Record<string, string>;
    metadata: Record<string, unknown>;
  } | null;
  account: { id: string; organization_id: string; provider: CloudProvider; account_id: string; settings: Record<string, unknown> } | null;
}

export async function findOperationTarget(trx: Trx, operationId: string): Promise<OperationTarget | undefined> {
  const row = await trx
    .selectFrom('operations as o')
    .leftJoin('actions as a', 'a.id', 'o.action_id')
    .leftJoin('resources as r', 'r.id', 'o.resource_id')
    .leftJoin('cloud_accounts as c', 'c.id', 'r.cloud_account_id')
    .select([
      'o.id', 'o.organization_id', 'o.status', 'o.attempts', 'o.operation', 'o.params',
      'a.id as action_id', 'a.action_type',
      'r.id as resource_id', 'r.provider_resource_id', 'r.type as resource_type', 'r.region', 'r.state', 'r.tags', 'r.metadata',
      'c.id as account_ref', 'c.provider', 'c.account_id', 'c.settings',
    ])
    .where('o.id', '=', operationId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    organization_id: row.organization_id,
    status: row.status,
    attempts: row.attempts,
    operation: row.operation,
    params: row.params,
    action: row.action_id === null || row.action_type === null ? null : { id: row.action_id, organization_id: row.organization_id, action_type: row.action_type, resource_id: row.resource_id },
    resource:
      row.resource_id === null || row.provider_resource_id === null
        ? null
        : {
            id: row.resource_id,
            provider_resource_id: row.provider_resource_id,
            type: row.resource_type as ResourceKind,
            region: row.region,
            state: row.state,
            tags: row.tags ?? {},
            metadata: row.metadata ?? {},
          },
    account:
      row.account_ref === null || row.provider === null || row.account_id === null
        ? null
        : { id: row.account_ref, organization_id: row.organization_id, provider: row.provider, account_id: row.account_id, settings: row.settings ?? {} },
  };
}

/**
 * Counts the attempt and marks the operation running, and its action with it the first time.
 * Undefined when the operation is no longer to be run (another worker finished it meanwhile).
 * One statement writes the three rows; the action moves only from queued (its history row with
 * it), which its row lock decides when two attempts overlap.
 */
export async function markRunning(trx: Trx, target: OperationTarget): Promise<number | undefined> {
  const row = await trx
    .with('operation', (db) =>
      db
        .updateTable('operations')
        .set((eb) => ({ status: 'running', attempts: eb('attempts', '+', 1) }))
        .where('id', '=', target.id)
        .where('status', 'in', ['queued', 'running'])
        .returning('attempts'),
    )
    .with('action', (db) =>
      db
        .updateTable('actions')
        .set({ status: 'running' })
        .where('id', '=', target.action?.id ?? null)
        .where('status', '=', 'queued')
        .where(({ exists, selectFrom }) => exists(selectFrom('operation').select('attempts')))
        .returning(['organization_id', 'id as action_id', 'status', sql<Date>`clock_timestamp()`.as('executed_at'), sql<string>`${`operation ${target.id} started`}::text`.as('details')]),
    )
    .with('history', (db) =>
      db
        .insertInto('action_history')
        .columns(['organization_id', 'action_id', 'status', 'executed_at', 'details'])
        .expression((eb) => eb.selectFrom('action').select(['organization_id', 'action_id', 'status', 'executed_at', 'details'])),
    )
    .selectFrom('operation')
    .select('attempts')
    .executeTakeFirst();
  return row?.attempts;
}

/** A failed attempt that will be retried: the operation waits again, with the error kept. */
export async function markRetrying(trx: Trx, operationId: string, error: JsonObject): Promise<void> {
  await trx.updateTable('operations').set({ status: 'queued', result: JSON.stringify({ last_error: error }) }).where('id', '=', operationId).execute();
}

/**
 * The operation's end, its action's, and the action's event, in one transaction: a crash leaves
 * either all of them or none (and the job, run again, finds the operation still to be done).
 */
export async function markFinished(
  trx: Trx,
  target: OperationTarget,
  outcome: { status: 'success'; result: JsonObject } | { status: 'error'; result: JsonObject; error: { message: string; retryable: boolean } },
): Promise<void> {
  const operation = trx.updateTable('operations').set({ status: outcome.status, result: JSON.stringify(outcome.result) }).where('id', '=', target.id);
  if (!target.action) {
    await operation.execute();
    return;
  }
  const action = target.action;
  const details = outcome.status === 'success' ? `operation ${target.id} succeeded` : outcome.error.message;
  // The three rows in one statement: they change together or not at all, in one round trip.
  await trx
    .with('operation', () => operation)
    .with('action', (db) => db.updateTable('actions').set({ status: outcome.status }).where('id', '=', action.id))
    .insertInto('action_history')
    .values(historyRow({ organization_id: target.organization_id, action_id: action.id, status: outcome.status, actor: null, details, result: { operation_id: target.id, ...outcome.result } }))
    .execute();
  if (outcome.status === 'success') await actionEvents.completed(trx, action, target.id, outcome.result);
  else await actionEvents.failed(trx, action, outcome.error, target.id);
}
