import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { announce } from './notifications.repository.ts';
import { usersOf } from './recipients.repository.ts';

/** Each approver is asked, in the app and on the channels they chose, until the approval expires. */
export function approvalRequested(queues: Pick<Queues, 'enqueue'>): EventHandler<'approval.requested'> {
  return async (event, trx) => {
    const { action_id, action_type, resource_id, approver_ids, quorum, expires_at, reasons } = event.data;
    for (const user_id of await usersOf(trx, approver_ids)) {
      await announce(trx, queues, event, {
        type: 'approval_requested',
        user_id,
        expires_at,
        title: `Approval needed: ${action_type} of resource ${resource_id}`,
        message: `${quorum} approval(s) needed before ${expires_at}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}.`,
        data: { action_id, action_type, resource_id },
      });
    }
  };
}
