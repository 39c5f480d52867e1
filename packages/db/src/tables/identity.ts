import type { StratusRole } from './api-tokens.ts';
import type { UserStatus } from './console.ts';
import type {
  ColumnsOf,
  Generated,
  GeneratedJsonb,
  GeneratedTimestamp,
  NullableTimestamp,
} from './column-types.ts';
import type { TeamMemberRole } from './enums.ts';

/** The tenant. Row-level security shows a session only its own organisation. */
export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  settings: GeneratedJsonb;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface TeamsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  description: string | null;
  settings: GeneratedJsonb;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface UsersTable {
  id: Generated<string>;
  organization_id: string;
  /** Unique across organisations and stored lower-case (a CHECK refuses anything else). */
  email: string;
  name: string;
  password_hash: string | null;
  mfa_enabled: Generated<boolean>;
  last_login: NullableTimestamp;
  settings: GeneratedJsonb;
  /** 'active' by default; users with an audit trail are disabled rather than deleted. */
  status: Generated<UserStatus>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
  /** What the person may do; the console's session token is minted with it. */
  role: Generated<StratusRole>;
}

export interface UserTeamsTable {
  user_id: string;
  team_id: string;
  organization_id: string;
  role: TeamMemberRole;
  created_at: GeneratedTimestamp;
}

/** The global permission catalogue (no organisation, no row-level security). */
export interface PermissionsTable {
  id: Generated<string>;
  name: string;
  description: string | null;
  resource_type: string;
  action_type: string;
  created_at: GeneratedTimestamp;
}

export interface RolePermissionsTable {
  role: string;
  permission_id: string;
  organization_id: string;
}

export interface IdentityTables {
  organizations: OrganizationsTable;
  teams: TeamsTable;
  users: UsersTable;
  user_teams: UserTeamsTable;
  permissions: PermissionsTable;
  role_permissions: RolePermissionsTable;
}

export const identityColumns: ColumnsOf<IdentityTables> = {
  organizations: { id: 'not null', name: 'not null', settings: 'not null', created_at: 'not null', updated_at: 'not null' },
  teams: {
    id: 'not null',
    organization_id: 'not null',
    name: 'not null',
    description: 'null',
    settings: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  users: {
    id: 'not null',
    organization_id: 'not null',
    email: 'not null',
    name: 'not null',
    password_hash: 'null',
    mfa_enabled: 'not null',
    last_login: 'null',
    settings: 'not null',
    status: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
    role: 'not null',
  },
  user_teams: { user_id: 'not null', team_id: 'not null', organization_id: 'not null', role: 'not null', created_at: 'not null' },
  permissions: {
    id: 'not null',
    name: 'not null',
    description: 'null',
    resource_type: 'not null',
    action_type: 'not null',
    created_at: 'not null',
  },
  role_permissions: { role: 'not null', permission_id: 'not null', organization_id: 'not null' },
};
