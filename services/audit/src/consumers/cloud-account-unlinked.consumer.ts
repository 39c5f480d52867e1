import type { EventHandler } from '@stratus/events';
import { recordActivity } from './activity-log.repository.ts';

export const cloudAccountUnlinked: EventHandler<'cloud_account.unlinked'> = async (event, trx) => {
  const { cloud_account_id, provider, account_id, name, user_id } = event.data;
  await recordActivity(trx, event, {
    actor: user_id ?? null,
    type: 'unlink_account',
    subject: cloud_account_id,
    summary: `Unlinked ${provider} account ${account_id} (${name})`,
    status: 'completed',
    details: { provider, account_id, name },
  });
};
