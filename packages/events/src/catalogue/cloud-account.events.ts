import { z } from 'zod';
import { defineEvent } from './event-definition.ts';
import { id, provider } from './fields.ts';

const cloudAccount = z.object({
  cloud_account_id: id,
  provider,
  /** The provider's id: AWS account id, Azure subscription id or GCP project id. */
  account_id: z.string().min(1),
  name: z.string(),
  /** The user who linked or unlinked it, when a person did. */
  user_id: id.optional(),
});

export const cloudAccountLinked = defineEvent({
  type: 'cloud_account.linked',
  description: 'A cloud account was linked to an organisation (credentials stored, discovery may start).',
  subject: 'cloud_account_id',
  schema: cloudAccount,
  subjectOf: (data) => data.cloud_account_id,
});

export const cloudAccountUnlinked = defineEvent({
  type: 'cloud_account.unlinked',
  description: 'A cloud account was unlinked; its credentials are gone and discovery stops.',
  subject: 'cloud_account_id',
  schema: cloudAccount,
  subjectOf: (data) => data.cloud_account_id,
});
