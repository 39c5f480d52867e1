import type { EventHandler } from '@stratus/events';
import { notifyOnce } from './notifications.repository.ts';
import { usersOf } from './recipients.repository.ts';

/** Each approver is asked, until the approval expires. */
export const approvalRequested: EventHandler<'approval.requested'> = async (event, trx) => {
  const { action_id, action_type, resource_id, approver_ids, quorum, expires_at, reasons } = event.data;
  for (const user_id of await usersOf(trx, approver_ids)) {
    await notifyOnce(trx, event, {
      type: 'approval_requested',
      user_id,
      expires_at,
      title: `Approval needed: ${action_type} of resource ${resource_id}`,
      message: `${quorum} approval(s) needed before ${expires_at}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}.`,
      data: { action_id, action_type, resource_id },
    });
  }
};
