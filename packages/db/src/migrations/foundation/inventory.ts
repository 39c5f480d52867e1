import { sql, type Kysely } from 'kysely';
import { dropTables, execute, keepUpdatedAt, tenantIsolation } from './ddl.ts';

export const INVENTORY_TABLES = [
  'cloud_accounts',
  'cloud_account_teams',
  'cloud_credentials',
  'resources',
  'resource_groups',
  'resource_group_memberships',
  'tags',
];

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    // Seed 002's cloud_accounts.credentials column is gone: secrets live only in cloud_credentials.
    sql`
      create table cloud_accounts (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid references users (id) on delete set null,
        name text not null,
        provider cloud_provider not null,
        account_id text not null,
        status text not null default 'connected',
        last_sync timestamptz,
        last_sync_error text,
        metadata jsonb not null default '{}',
        settings jsonb not null default '{}',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (organization_id, provider, account_id)
      )
    `,
    sql`create index cloud_accounts_provider_idx on cloud_accounts (provider)`,
    sql`create index cloud_accounts_account_id_idx on cloud_accounts (account_id)`,
    sql`create index cloud_accounts_user_id_idx on cloud_accounts (user_id)`,
    ...tenantIsolation('cloud_accounts'),
    keepUpdatedAt('cloud_accounts'),

    sql`
      create table cloud_account_teams (
        cloud_account_id uuid not null references cloud_accounts (id) on delete cascade,
        team_id uuid not null references teams (id) on delete cascade,
        organization_id uuid not null references organizations (id) on delete cascade,
        access_level text not null,
        created_at timestamptz not null default now(),
        primary key (cloud_account_id, team_id)
      )
    `,
    sql`create index cloud_account_teams_team_id_idx on cloud_account_teams (team_id)`,
    sql`create index cloud_account_teams_organization_id_idx on cloud_account_teams (organization_id)`,
    ...tenantIsolation('cloud_account_teams'),

    // The CHECK makes storing a plaintext credential by mistake fail loudly.
    sql`
      create table cloud_credentials (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        cloud_account_id uuid not null unique references cloud_accounts (id) on delete cascade,
        user_id uuid references users (id) on delete set null,
        provider cloud_provider not null,
        secret jsonb not null,
        key_id text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint cloud_credentials_secret_is_envelope check (
          jsonb_typeof(secret) = 'object'
          and secret ?& array['alg', 'kid', 'iv', 'tag', 'wrapped_key', 'ciphertext']
        )
      )
    `,
    sql`
      comment on column cloud_credentials.secret is
        'Only the envelope-encrypted payload {alg, kid, iv, tag, wrapped_key, ciphertext} (base64 fields), never plaintext credentials.'
    `,
    sql`comment on column cloud_credentials.key_id is 'The key-encryption key that wrapped the data key (for rotation).'`,
    sql`create index cloud_credentials_organization_id_idx on cloud_credentials (organization_id)`,
    sql`create index cloud_credentials_key_id_idx on cloud_credentials (key_id)`,
    ...tenantIsolation('cloud_credentials'),
    keepUpdatedAt('cloud_credentials'),

    // Seed 002's resource_id/resource_type/status/properties are seed 000's
    // provider_resource_id/type/state/metadata here.
    sql`
      create table resources (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        cloud_account_id uuid not null references cloud_accounts (id) on delete cascade,
        user_id uuid references users (id) on delete set null,
        provider cloud_provider not null,
        provider_resource_id text not null,
        name text,
        type text not null,
        region text,
        zone text,
        state text,
        tags jsonb not null default '{}',
        cost_daily numeric(20, 6) not null default 0,
        cost_monthly numeric(20, 6) not null default 0,
        metadata jsonb not null default '{}',
        discovered_at timestamptz not null default now(),
        last_seen timestamptz not null default now(),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (cloud_account_id, provider_resource_id)
      )
    `,
    sql`create index resources_provider_idx on resources (provider)`,
    sql`create index resources_type_idx on resources (type)`,
    sql`create index resources_region_idx on resources (region)`,
    sql`create index resources_state_idx on resources (state)`,
    sql`create index resources_organization_id_type_idx on resources (organization_id, type)`,
    sql`create index resources_tags_idx on resources using gin (tags)`,
    sql`create index resources_user_id_idx on resources (user_id)`,
    ...tenantIsolation('resources'),
    keepUpdatedAt('resources'),

    sql`
      create table resource_groups (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        cloud_account_id uuid not null references cloud_accounts (id) on delete cascade,
        name text not null,
        description text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (cloud_account_id, name)
      )
    `,
    sql`create index resource_groups_organization_id_idx on resource_groups (organization_id)`,
    ...tenantIsolation('resource_groups'),
    keepUpdatedAt('resource_groups'),

    sql`
      create table resource_group_memberships (
        resource_id uuid not null references resources (id) on delete cascade,
        resource_group_id uuid not null references resource_groups (id) on delete cascade,
        organization_id uuid not null references organizations (id) on delete cascade,
        created_at timestamptz not null default now(),
        primary key (resource_id, resource_group_id)
      )
    `,
    sql`create index resource_group_memberships_group_idx on resource_group_memberships (resource_group_id)`,
    sql`create index resource_group_memberships_organization_id_idx on resource_group_memberships (organization_id)`,
    ...tenantIsolation('resource_group_memberships'),

    sql`
      create table tags (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        resource_id uuid not null references resources (id) on delete cascade,
        key text not null,
        value text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (resource_id, key)
      )
    `,
    sql`create index tags_organization_id_key_idx on tags (organization_id, key)`,
    ...tenantIsolation('tags'),
    keepUpdatedAt('tags'),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, dropTables(INVENTORY_TABLES));
}
