import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { announce } from './notifications.repository.ts';

/**
 * A workflow's notify step: one notification for the whole organisation, once per event, and on the
 * channels of the users who asked for workflow notifications.
 */
export function workflowNotificationRequested(queues: Pick<Queues, 'enqueue'>): EventHandler<'workflow.notification_requested'> {
  return async (event, trx) => {
    const { workflow_id, execution_id, step_id, title, message } = event.data;
    await announce(trx, queues, event, { type: 'workflow', title, message, data: { workflow_id, execution_id, step_id } });
  };
}
