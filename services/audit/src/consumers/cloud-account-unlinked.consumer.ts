import type { EventEnvelope } from '@stratus/events';
import type { Activity } from './activity-log.repository.ts';

export function cloudAccountUnlinked(event: EventEnvelope<'cloud_account.unlinked'>): Activity {
  const { cloud_account_id, provider, account_id, name, user_id } = event.data;
  return {
    actor: user_id ?? null,
    type: 'unlink_account',
    subject: cloud_account_id,
    summary: `Unlinked ${provider} account ${account_id} (${name})`,
    status: 'completed',
    details: { provider, account_id, name },
  };
}
