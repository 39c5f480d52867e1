import { z } from 'zod';
import { TEAM_ACCESS_LEVELS, TEAM_MEMBER_ROLES } from '@stratus/db';
import { defineEvent } from './event-definition.ts';
import { id } from './fields.ts';

const TEAM_CHANGES = ['created', 'updated', 'deleted', 'member_set', 'member_removed'] as const;

export const teamChanged = defineEvent({
  type: 'team.changed',
  description:
    'An admin (or `stratus teams`) created, renamed or deleted a team, or set or removed one of its members (member_user_id, and member_role when set).',
  subject: 'team_id',
  schema: z.object({
    /** Who made the change; null for `stratus teams`, run as the database owner. */
    user_id: id.nullable(),
    team_id: id,
    change: z.enum(TEAM_CHANGES),
    name: z.string(),
    member_user_id: id.optional(),
    member_role: z.enum(TEAM_MEMBER_ROLES).optional(),
  }),
  subjectOf: (data) => data.team_id,
});

export const cloudAccountAccessChanged = defineEvent({
  type: 'cloud_account.access_changed',
  description:
    "A cloud account was granted to a team at an access level, its grant's level changed, or the grant was revoked (access_level null): " +
    'members who are not organisation admins reach the accounts of their teams only.',
  subject: 'cloud_account_id',
  schema: z.object({
    cloud_account_id: id,
    team_id: id,
    access_level: z.enum(TEAM_ACCESS_LEVELS).nullable(),
    /** Who made the change; null for `stratus teams`, run as the database owner. */
    user_id: id.nullable(),
  }),
  subjectOf: (data) => data.cloud_account_id,
});
