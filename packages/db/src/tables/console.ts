import type { EncryptedSecret } from '@stratus/vault';
import type { StratusRole } from './api-tokens.ts';
import type { ColumnsOf, Generated, GeneratedTimestamp, Jsonb, NullableTimestamp, Timestamp } from './column-types.ts';

/** users.status (a CHECK holds the column to it): disabled users cannot sign in and their tokens stop working. */
export const USER_STATUSES = ['active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** A person's TOTP second factor (RFC 6238), written by the console alone. */
export interface UserTotpSecretsTable {
  user_id: string;
  organization_id: string;
  /** The base32 secret sealed with @stratus/vault under CREDENTIALS_KEYS, bound to [organization_id, user_id]. */
  secret: Jsonb<EncryptedSecret>;
  key_id: string;
  /** Null while set up and not yet confirmed by a code; users.mfa_enabled follows it. */
  enabled_at: NullableTimestamp;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** An admin's invitation to join the organisation: a one-time token, stored as its sha256 only. */
export interface UserInvitationsTable {
  id: Generated<string>;
  organization_id: string;
  email: string;
  name: string;
  role: StratusRole;
  token_hash: Buffer;
  invited_by: string | null;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface ConsoleTables {
  user_totp_secrets: UserTotpSecretsTable;
  user_invitations: UserInvitationsTable;
}

export const consoleColumns: ColumnsOf<ConsoleTables> = {
  user_totp_secrets: {
    user_id: 'not null',
    organization_id: 'not null',
    secret: 'not null',
    key_id: 'not null',
    enabled_at: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  user_invitations: {
    id: 'not null',
    organization_id: 'not null',
    email: 'not null',
    name: 'not null',
    role: 'not null',
    token_hash: 'not null',
    invited_by: 'null',
    expires_at: 'not null',
    accepted_at: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};
