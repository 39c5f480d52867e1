import type { Transaction } from 'kysely';
import type { ActionType, Database, JsonObject } from '@stratus/db';
import { outboxOf, type PublishManyItem } from '@stratus/events';

/** The executor's outbox: its relay publishes what is written here. */
export const outbox = outboxOf('action-executor');

export interface ActionRef {
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

/** The outcome events of an action, for publishActionEvents. */
export const actionEvents = {
  completed(action: ActionRef, operationId: string, result: JsonObject): PublishManyItem {
    return {
      type: 'action.completed',
      tenant: action.organization_id,
      data: { action_id: action.id, operation_id: operationId, action_type: action.action_type, resource_id: resourceOf(action), result },
    };
  },
  failed(action: ActionRef, error: { message: string; retryable: boolean }, operationId?: string): PublishManyItem {
    return {
      type: 'action.failed',
      tenant: action.organization_id,
      data: {
        action_id: action.id,
        ...(operationId === undefined ? {} : { operation_id: operationId }),
        action_type: action.action_type,
        resource_id: resourceOf(action),
        error,
      },
    };
  },
};

/** Writes the events in the caller's transaction, in one statement however many actions they tell of. */
export async function publishActionEvents(trx: Transaction<Database>, events: readonly PublishManyItem[]): Promise<void> {
  if (events.length > 0) await outbox.publishMany(trx, events);
}
