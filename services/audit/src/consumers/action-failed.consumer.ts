import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { announce, type Notification } from './notifications.repository.ts';
import { onCallTeamOf, operatingTeamsOf, requesterOf } from './recipients.repository.ts';

/**
 * The requester (as the audit trail's own record of action.requested names them: the executor's
 * tables are not this service's to read), the organisation's on-call team
 * (organizations.settings.on_call_team_id) and the teams that operate the resource's account learn
 * of a failed action, in the app and on the channels each of them chose; a team once.
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
    const onCall = await onCallTeamOf(trx, event.tenant);
    const teams = new Set([...(onCall ? [onCall] : []), ...(await operatingTeamsOf(trx, resource_id))]);
    for (const team of teams) await announce(trx, queues, event, { ...notification, team_id: team });
  };
}
