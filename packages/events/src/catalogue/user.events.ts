import { z } from 'zod';
import { STRATUS_ROLES, USER_STATUSES } from '@stratus/db';
import { defineEvent } from './event-definition.ts';
import { id, timestamp } from './fields.ts';

/** Where a person's request came from, as the console saw it. */
const client = {
  ip_address: z.string().optional(),
  user_agent: z.string().optional(),
};

const SIGN_IN_FAILURES = ['invalid_credentials', 'totp_required', 'invalid_totp', 'disabled'] as const;

export const userSignedIn = defineEvent({
  type: 'user.signed_in',
  description: 'A person signed in to the console (password, and TOTP code when their second factor is on).',
  subject: 'user_id',
  schema: z.object({ user_id: id, second_factor: z.boolean(), ...client }),
  subjectOf: (data) => data.user_id,
});

export const userSignInFailed = defineEvent({
  type: 'user.sign_in_failed',
  description:
    "A sign-in to the console with a known user's email was refused (attempts with unknown emails have no organisation to record them in).",
  subject: 'user_id',
  schema: z.object({ user_id: id, reason: z.enum(SIGN_IN_FAILURES), ...client }),
  subjectOf: (data) => data.user_id,
});

export const userSignedOut = defineEvent({
  type: 'user.signed_out',
  description: "A person signed out of the console; the session's API token is revoked.",
  subject: 'user_id',
  schema: z.object({ user_id: id, ...client }),
  subjectOf: (data) => data.user_id,
});

export const userInvited = defineEvent({
  type: 'user.invited',
  description: 'An admin invited a person to the organisation with a role (a one-time link, valid until expires_at).',
  subject: 'invitation_id',
  schema: z.object({
    invitation_id: id,
    /** The admin who invited. */
    user_id: id,
    email: z.email(),
    role: z.enum(STRATUS_ROLES),
    expires_at: timestamp,
  }),
  subjectOf: (data) => data.invitation_id,
});

export const userJoined = defineEvent({
  type: 'user.joined',
  description: 'An invited person accepted their invitation: their user now exists, with the invited role.',
  subject: 'user_id',
  schema: z.object({ user_id: id, invitation_id: id, email: z.email(), role: z.enum(STRATUS_ROLES) }),
  subjectOf: (data) => data.user_id,
});

const change = <T extends z.ZodType>(value: T) => z.object({ from: value, to: value }).optional();

export const userUpdated = defineEvent({
  type: 'user.updated',
  description:
    "A user's role, status or second factor changed: by an admin (role, status) or by the person (TOTP on or off). " +
    'Only the fields that changed are present.',
  subject: 'target_user_id',
  schema: z.object({
    /** Who made the change. */
    user_id: id,
    /** Whose account changed. */
    target_user_id: id,
    role: change(z.enum(STRATUS_ROLES)),
    status: change(z.enum(USER_STATUSES)),
    mfa_enabled: change(z.boolean()),
  }),
  subjectOf: (data) => data.target_user_id,
});

export const apiTokenCreated = defineEvent({
  type: 'api_token.created',
  description: 'An admin created an API token for machines in the console (the token itself is shown once and never leaves the console).',
  subject: 'token_id',
  schema: z.object({
    token_id: id,
    /** The admin who created it: the token acts as them. */
    user_id: id,
    name: z.string(),
    role: z.enum(STRATUS_ROLES),
    expires_at: timestamp.nullable(),
  }),
  subjectOf: (data) => data.token_id,
});

export const apiTokenRevoked = defineEvent({
  type: 'api_token.revoked',
  description: 'An admin revoked an API token in the console: nothing authenticates with it any more.',
  subject: 'token_id',
  schema: z.object({ token_id: id, user_id: id, name: z.string() }),
  subjectOf: (data) => data.token_id,
});
