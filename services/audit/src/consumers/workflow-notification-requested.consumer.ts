import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { announce } from './notifications.repository.ts';

/**
 * A workflow's notify step: one notification, once per event, for the team the step names or the
 * whole organisation, and on the channels of its users who asked for workflow notifications. A
 * team deleted since the workflow was written is not a reason to tell nobody: the organisation is
 * told instead.
 */
export function workflowNotificationRequested(queues: Pick<Queues, 'enqueue'>): EventHandler<'workflow.notification_requested'> {
  return async (event, trx) => {
    const { workflow_id, execution_id, step_id, title, message, team_id } = event.data;
    const team = team_id === undefined ? undefined : await trx.selectFrom('teams').select('id').where('id', '=', team_id).executeTakeFirst();
    await announce(trx, queues, event, {
      type: 'workflow',
      title,
      message,
      data: { workflow_id, execution_id, step_id, ...(team_id === undefined ? {} : { team_id }) },
      ...(team ? { team_id: team.id } : {}),
    });
  };
}
