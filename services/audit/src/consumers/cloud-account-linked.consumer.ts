import type { EventEnvelope } from '@stratus/events';
import type { Activity } from './activity-log.repository.ts';

export function cloudAccountLinked(event: EventEnvelope<'cloud_account.linked'>): Activity {
  const { cloud_account_id, provider, account_id, name, user_id } = event.data;
  return {
    actor: user_id ?? null,
    type: 'link_account',
    subject: cloud_account_id,
    summary: `Linked ${provider} account ${account_id} (${name})`,
    status: 'completed',
    details: { provider, account_id, name },
  };
}
