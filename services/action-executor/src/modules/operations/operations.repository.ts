import { sql, type Transaction } from 'kysely';
import { prepared, type ActionType, type CloudProvider, type Database, type JsonObject, type OperationStatus } from '@stratus/db';
import type { ResourceKind } from '@stratus/cloud';
import { actionEvents, publishActionEvents } from '../actions/action-events.ts';

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

/** The operations with what executing them needs, by id; an id with no row is left out. */
export async function findOperationTargets(trx: Trx, operationIds: readonly string[]): Promise<Map<string, OperationTarget>> {
  const { rows } = await prepared(trx, trx
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
    .where((eb) => eb('o.id', '=', eb.fn.any(sql<string[]>`${operationIds}::uuid[]`))));
  return new Map(
    rows.map((row): [string, OperationTarget] => [
      row.id,
      {
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
      },
    ]),
  );
}

/**
 * Counts an attempt of each operation and marks it running, and its action with it the first
 * time: the attempts of those still to be run, by id (one another worker finished meanwhile is
 * left out). One statement writes the three tables for all of them; an action moves only from
 * queued (its history row with it), which its row lock decides when two attempts overlap.
 */
export async function markRunning(trx: Trx, targets: readonly OperationTarget[]): Promise<Map<string, number>> {
  if (targets.length === 0) return new Map();
  const { rows } = await prepared(trx, trx
    .with('operation', (db) =>
      db
        .updateTable('operations')
        .set((eb) => ({ status: 'running', attempts: eb('attempts', '+', 1) }))
        .where((eb) => eb('id', '=', eb.fn.any(sql<string[]>`${targets.map((target) => target.id)}::uuid[]`)))
        .where('status', 'in', ['queued', 'running'])
        .returning(['id', 'action_id', 'attempts']),
    )
    .with('action', (db) =>
      db
        .updateTable('actions')
        .from('operation')
        .set({ status: 'running' })
        .whereRef('actions.id', '=', 'operation.action_id')
        .where('actions.status', '=', 'queued')
        .returning([
          'actions.organization_id',
          'actions.id as action_id',
          'actions.status',
          sql<Date>`clock_timestamp()`.as('executed_at'),
          sql<string>`'operation ' || operation.id || ' started'`.as('details'),
        ]),
    )
    .with('history', (db) =>
      db
        .insertInto('action_history')
        .columns(['organization_id', 'action_id', 'status', 'executed_at', 'details'])
        .expression((eb) => eb.selectFrom('action').select(['organization_id', 'action_id', 'status', 'executed_at', 'details'])),
    )
    .selectFrom('operation')
    .select(['id', 'attempts']));
  return new Map(rows.map((row) => [row.id, row.attempts]));
}

/** A failed attempt that will be retried: the operation waits again, with the error kept. */
export async function markRetrying(trx: Trx, operationId: string, error: JsonObject): Promise<void> {
  await trx.updateTable('operations').set({ status: 'queued', result: JSON.stringify({ last_error: error }) }).where('id', '=', operationId).execute();
}

export type OperationOutcome = { status: 'success'; result: JsonObject } | { status: 'error'; result: JsonObject; error: { message: string; retryable: boolean } };

/**
 * Operations' ends, their actions', and the actions' events, in one transaction: a crash leaves
 * either all of them or none (and a job run again finds its operation still to be done). One
 * statement writes the three tables for all of them, one more the events.
 */
export async function markFinished(trx: Trx, endings: readonly { target: OperationTarget; outcome: OperationOutcome }[]): Promise<void> {
  if (endings.length === 0) return;
  const ended = endings.map(({ target, outcome }) => ({
    id: target.id,
    organization_id: target.organization_id,
    action_id: target.action?.id ?? null,
    status: outcome.status,
    result: outcome.result,
    details: outcome.status === 'success' ? `operation ${target.id} succeeded` : outcome.error.message,
  }));
  // The three tables in one statement: they change together or not at all, in one round trip.
  // History rows are stamped by the clock, as recordHistory stamps them. The planner guesses a
  // hundred rows in the JSON whatever it holds: the ids are given again as arrays, so that the
  // rows are found by key even where that guess and stale statistics would have it read every
  // operation and action of the organisation.
  await prepared(trx, sql`
    with ended as (
      select * from jsonb_to_recordset(${JSON.stringify(ended)}::jsonb)
          as e(id uuid, organization_id uuid, action_id uuid, status text, result jsonb, details text)
    ), operation as (
      update operations o set status = ended.status::operation_status, result = ended.result
        from ended where o.id = ended.id and o.id = any(${ended.map((row) => row.id)}::uuid[])
    ), action as (
      update actions a set status = ended.status::action_status
        from ended where a.id = ended.action_id and a.id = any(${ended.flatMap((row) => (row.action_id === null ? [] : [row.action_id]))}::uuid[])
    )
    insert into action_history (organization_id, action_id, status, executed_at, details, result)
    select organization_id, action_id, status::action_status, clock_timestamp(), details, jsonb_build_object('operation_id', id) || result
      from ended where action_id is not null
  `);
  await publishActionEvents(
    trx,
    endings.flatMap(({ target, outcome }) =>
      !target.action ? [] : outcome.status === 'success' ? [actionEvents.completed(target.action, target.id, outcome.result)] : [actionEvents.failed(target.action, outcome.error, target.id)],
    ),
  );
}
