import type { Transaction } from 'kysely';
import type { ActionType, Database, JsonObject } from '@stratus/db';
import { outboxOf } from '@stratus/events';

/** The executor's outbox: its relay publishes what is written here. */
export const outbox = outboxOf('action-executor');

interface ActionRef {
  id: string;
  organization_id: string;
  action_type: ActionType;
  resource_id: string | null;
}

function resourceOf(action: ActionRef): string {
  // Every action the executor records names its resource (action.requested requires one).
  if (action.resource_id === null) throw new Error(`action ${action.id} has no resource`);
  return action.resource_id;
}

/** The outcome events of an action, each written in the caller's transaction. */
export const actionEvents = {
  async completed(trx: Transaction<Database>, action: ActionRef, operationId: string, result: JsonObject): Promise<void> {
    await outbox.publish(trx, 'action.completed', {
      tenant: action.organization_id,
      data: { action_id: action.id, operation_id: operationId, action_type: action.action_type, resource_id: resourceOf(action), result },
    });
  },
  async failed(
    trx: Transaction<Database>,
    action: ActionRef,
    error: { message: string; retryable: boolean },
    operationId?: string,
  ): Promise<void> {
    await outbox.publish(trx, 'action.failed', {
      tenant: action.organization_id,
      data: {
        action_id: action.id,
        ...(operationId === undefined ? {} : { operation_id: operationId }),
        action_type: action.action_type,
        resource_id: resourceOf(action),
        error,
      },
    });
  },
};
