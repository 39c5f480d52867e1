import type { EventHandler } from '@stratus/events';
import { notifyOnce } from './notifications.repository.ts';

/** A workflow's notify step: one notification for the whole organisation, once per event. */
export const workflowNotificationRequested: EventHandler<'workflow.notification_requested'> = async (event, trx) => {
  const { workflow_id, execution_id, step_id, title, message } = event.data;
  await notifyOnce(trx, event, { type: 'workflow', title, message, data: { workflow_id, execution_id, step_id } });
};
