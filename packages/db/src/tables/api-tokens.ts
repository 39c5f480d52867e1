import type { ColumnsOf, Generated, GeneratedTimestamp, NullableTimestamp } from './column-types.ts';

/**
 * Roles a token acts with (PostgreSQL enum `stratus_role`). What each role may do is data
 * (role_permissions, per organisation); the defaults live in @stratus/auth.
 */
export const STRATUS_ROLES = ['admin', 'operator', 'viewer'] as const;
export type StratusRole = (typeof STRATUS_ROLES)[number];

/**
 * The global permission catalogue: the one list that the ApiTokens migration seeds into
 * `permissions` and that routes are typed against (`config: { permission: 'resources:read' }`).
 * Names are `<resource_type>:<action_type>`. The list only grows and names are never changed
 * (role_permissions rows refer to them): a new permission is added here and inserted by a new
 * migration (`on conflict (name) do nothing`, as the ApiTokens migration does).
 */
export const PERMISSION_CATALOGUE = {
  'cloud_accounts:read': 'List linked cloud accounts and their sync status',
  'cloud_accounts:write': 'Link, update and unlink cloud accounts and their credentials',
  'resources:read': 'List the resource inventory',
  'resources:write': 'Edit resources (tags, groups) and trigger discovery',
  'costs:read': 'Read cost data, breakdowns and aggregates',
  'costs:write': 'Import billing exports and recompute rollups',
  'budgets:read': 'Read budgets and budget alerts',
  'budgets:write': 'Create, update and delete budgets',
  'recommendations:read': 'Read savings recommendations',
  'recommendations:write': 'Accept, dismiss or apply recommendations',
  'actions:read': 'Read actions, operations and their history',
  'actions:write': 'Request, cancel and retry actions',
  'actions:execute': 'Run an approved action against a cloud account',
  'approvals:read': 'Read approval requests',
  'approvals:write': 'Create approval requests and workflows',
  'approvals:decide': 'Approve or reject an action',
  'automation_rules:read': 'Read automation rules and their runs',
  'automation_rules:write': 'Create, update, enable and disable automation rules',
  'audit_logs:read': 'Read the audit log and activity stream',
  'audit_logs:write': 'Append entries to the audit log (entries are never updated or deleted)',
  'notifications:read': 'Read notifications',
  'notifications:write': 'Mark notifications read and manage notification settings',
  'tokens:read': 'List API tokens of the organisation',
  'tokens:write': 'Create and revoke API tokens',
} as const satisfies Record<`${string}:${string}`, string>;

export type PermissionName = keyof typeof PERMISSION_CATALOGUE;

export const PERMISSION_NAMES = Object.keys(PERMISSION_CATALOGUE) as PermissionName[];

export interface ApiTokensTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  name: string;
  /** The token's first 12 characters, to recognise it in lists; never enough to use it. */
  token_prefix: string;
  /** sha256 of the whole token; the plaintext is shown once at creation and never stored. */
  token_hash: Buffer;
  role: StratusRole;
  created_at: GeneratedTimestamp;
  last_used_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface ApiTokenTables {
  api_tokens: ApiTokensTable;
}

/** The runtime mirror of ApiTokenTables, for the test that compares the types with the database. */
export const apiTokenColumns: ColumnsOf<ApiTokenTables> = {
  api_tokens: {
    id: 'not null',
    organization_id: 'not null',
    user_id: 'not null',
    name: 'not null',
    token_prefix: 'not null',
    token_hash: 'not null',
    role: 'not null',
    created_at: 'not null',
    last_used_at: 'null',
    expires_at: 'null',
    revoked_at: 'null',
  },
};
