import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { announce, type Notification } from './notifications.repository.ts';
import { onCallTeamOf, requesterOf } from './recipients.repository.ts';

/**
 * The requester (as the audit trail's own record of action.requested names them: the executor's
 * tables are not this service's to read) and the organisation's on-call team
 * (organizations.settings.on_call_team_id) learn of a failed action, in the app and on the channels
 * each of them chose.
 */
export function actionFailed(queues: Pick<Queues, 'enqueue'>): EventHandler<'action.failed'> {
  return async (event, trx) => {
    const { action_id, action_type, resource_id, error } = event.data;
    const notification: Notification = {
      type: 'action_failed',
      title: `${action_type} of resource ${resource_id} failed`,
      message: `${error.message}${error.retryable ? ' (worth retrying)' : ''}`,
      data: { action_id, action_type, resource_id, retryable: error.retryable },
    };
    const requester = await requesterOf(trx, action_id);
    if (requester) await announce(trx, queues, event, { ...notification, user_id: requester });
    const team = await onCallTeamOf(trx, event.tenant);
    if (team) await announce(trx, queues, event, { ...notification, team_id: team });
  };
}
