// PLACEHOLDER (owner: helper exec): the smallest stand-in for the contract of issue #14, so the
// approvals module compiles and runs in its branch; the merge replaces this file with exec's.
import type { Transaction } from 'kysely';
import type { ActionStatus, Database } from '@stratus/db';
import type { Queues } from '@stratus/queues';

type Trx = Transaction<Database>;

export async function transitionAction(trx: Trx, actionId: string, to: ActionStatus, change: { actor: string | null; details?: string; result?: Record<string, unknown> }): Promise<void> {
  const action = await trx.updateTable('actions').set({ status: to }).where('id', '=', actionId).returning('organization_id').executeTakeFirstOrThrow();
  await trx
    .insertInto('action_history')
    .values({
      organization_id: action.organization_id,
      action_id: actionId,
      status: to,
      executed_by: change.actor,
      details: change.details ?? null,
      result: change.result === undefined ? null : JSON.stringify(change.result),
    })
    .execute();
}

export async function releaseAction(trx: Trx, actionId: string, actor: string | null): Promise<string[]> {
  await transitionAction(trx, actionId, 'queued', { actor });
  return [];
}

export async function enqueueOperations(_queues: Queues, _organizationId: string, _operationIds: string[]): Promise<void> {}
