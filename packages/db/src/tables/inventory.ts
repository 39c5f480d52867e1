import type { EncryptedSecret } from '@stratus/vault';
import type {
  ColumnsOf,
  Generated,
  GeneratedJsonb,
  GeneratedNumeric,
  GeneratedTimestamp,
  Jsonb,
  NullableTimestamp,
} from './column-types.ts';
import type { CloudProvider, TeamAccessLevel } from './enums.ts';

/** Non-sensitive metadata of a linked cloud account; secrets live in cloud_credentials. */
export interface CloudAccountsTable {
  id: Generated<string>;
  organization_id: string;
  /** Who linked it. */
  user_id: string | null;
  name: string;
  provider: CloudProvider;
  /** AWS account id, Azure subscription id or GCP project id. */
  account_id: string;
  /** 'connected' by default. */
  status: Generated<string>;
  last_sync: NullableTimestamp;
  last_sync_error: string | null;
  metadata: GeneratedJsonb;
  settings: GeneratedJsonb;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** A cloud account granted to a team: its members who are not organisation admins reach only such accounts. */
export interface CloudAccountTeamsTable {
  cloud_account_id: string;
  team_id: string;
  organization_id: string;
  access_level: TeamAccessLevel;
  created_at: GeneratedTimestamp;
}

/** Readable and writable only by stratus_ingestion (and the owner). */
export interface CloudCredentialsTable {
  id: Generated<string>;
  organization_id: string;
  /** One credential per cloud account. */
  cloud_account_id: string;
  user_id: string | null;
  provider: CloudProvider;
  /** A CHECK requires the envelope's six keys, so plaintext credentials cannot be stored by mistake. */
  secret: Jsonb<EncryptedSecret>;
  /** The key-encryption key that wrapped the data key, for rotation queries. */
  key_id: string;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface ResourcesTable {
  id: Generated<string>;
  organization_id: string;
  cloud_account_id: string;
  user_id: string | null;
  provider: CloudProvider;
  /** The cloud's own id (ARN, Azure resource id, GCP self link); unique per cloud account. */
  provider_resource_id: string;
  name: string | null;
  /** EC2, VM, ComputeEngine, RDS, Storage, ... */
  type: string;
  region: string | null;
  zone: string | null;
  /** running, stopped, ... */
  state: string | null;
  /** When state last changed (a trigger keeps it); null for rows older than the column. */
  state_changed_at: NullableTimestamp;
  tags: GeneratedJsonb<{ [key: string]: string }>;
  cost_daily: GeneratedNumeric;
  cost_monthly: GeneratedNumeric;
  metadata: GeneratedJsonb;
  discovered_at: GeneratedTimestamp;
  last_seen: GeneratedTimestamp;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface ResourceGroupsTable {
  id: Generated<string>;
  organization_id: string;
  cloud_account_id: string;
  name: string;
  description: string | null;
  /** A match expression whose resources ingestion keeps as members at each sync; null: members set by hand. */
  match: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface ResourceGroupMembershipsTable {
  resource_id: string;
  resource_group_id: string;
  organization_id: string;
  created_at: GeneratedTimestamp;
}

export interface TagsTable {
  id: Generated<string>;
  organization_id: string;
  resource_id: string;
  key: string;
  value: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface InventoryTables {
  cloud_accounts: CloudAccountsTable;
  cloud_account_teams: CloudAccountTeamsTable;
  cloud_credentials: CloudCredentialsTable;
  resources: ResourcesTable;
  resource_groups: ResourceGroupsTable;
  resource_group_memberships: ResourceGroupMembershipsTable;
  tags: TagsTable;
}

export const inventoryColumns: ColumnsOf<InventoryTables> = {
  cloud_accounts: {
    id: 'not null',
    organization_id: 'not null',
    user_id: 'null',
    name: 'not null',
    provider: 'not null',
    account_id: 'not null',
    status: 'not null',
    last_sync: 'null',
    last_sync_error: 'null',
    metadata: 'not null',
    settings: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  cloud_account_teams: {
    cloud_account_id: 'not null',
    team_id: 'not null',
    organization_id: 'not null',
    access_level: 'not null',
    created_at: 'not null',
  },
  cloud_credentials: {
    id: 'not null',
    organization_id: 'not null',
    cloud_account_id: 'not null',
    user_id: 'null',
    provider: 'not null',
    secret: 'not null',
    key_id: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  resources: {
    id: 'not null',
    organization_id: 'not null',
    cloud_account_id: 'not null',
    user_id: 'null',
    provider: 'not null',
    provider_resource_id: 'not null',
    name: 'null',
    type: 'not null',
    region: 'null',
    zone: 'null',
    state: 'null',
    tags: 'not null',
    cost_daily: 'not null',
    cost_monthly: 'not null',
    metadata: 'not null',
    discovered_at: 'not null',
    last_seen: 'not null',
    state_changed_at: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  resource_groups: {
    id: 'not null',
    organization_id: 'not null',
    cloud_account_id: 'not null',
    name: 'not null',
    description: 'null',
    match: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  resource_group_memberships: {
    resource_id: 'not null',
    resource_group_id: 'not null',
    organization_id: 'not null',
    created_at: 'not null',
  },
  tags: {
    id: 'not null',
    organization_id: 'not null',
    resource_id: 'not null',
    key: 'not null',
    value: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};
