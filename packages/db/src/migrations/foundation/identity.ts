import { sql, type Kysely } from 'kysely';
import { dropTables, execute, keepUpdatedAt, tenantIsolation } from './ddl.ts';

export const IDENTITY_TABLES = ['organizations', 'teams', 'users', 'user_teams', 'permissions', 'role_permissions'];

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create table organizations (
        id uuid primary key default gen_random_uuid(),
        name text not null,
        settings jsonb not null default '{}',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`alter table organizations enable row level security`,
    sql`
      create policy tenant_isolation on organizations for all
        using (id = stratus_current_organization())
        with check (id = stratus_current_organization())
    `,
    keepUpdatedAt('organizations'),

    sql`
      create table teams (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name text not null,
        description text,
        settings jsonb not null default '{}',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (organization_id, name)
      )
    `,
    ...tenantIsolation('teams'),
    keepUpdatedAt('teams'),

    // Seed 002's users gain their organisation. Emails are unique across organisations (one
    // login per person) and kept lower-case so that uniqueness cannot be dodged by case.
    sql`
      create table users (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        email text not null unique,
        name text not null,
        password_hash text,
        mfa_enabled boolean not null default false,
        last_login timestamptz,
        settings jsonb not null default '{}',
        status text not null default 'active',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint users_email_is_lower_case check (email = lower(email))
      )
    `,
    sql`create index users_organization_id_idx on users (organization_id)`,
    ...tenantIsolation('users'),
    keepUpdatedAt('users'),

    sql`
      create table user_teams (
        user_id uuid not null references users (id) on delete cascade,
        team_id uuid not null references teams (id) on delete cascade,
        organization_id uuid not null references organizations (id) on delete cascade,
        role text not null,
        created_at timestamptz not null default now(),
        primary key (user_id, team_id)
      )
    `,
    sql`create index user_teams_team_id_idx on user_teams (team_id)`,
    sql`create index user_teams_organization_id_idx on user_teams (organization_id)`,
    ...tenantIsolation('user_teams'),

    // The catalogue of permissions is global: no organisation, no row-level security.
    sql`
      create table permissions (
        id uuid primary key default gen_random_uuid(),
        name text not null unique,
        description text,
        resource_type text not null,
        action_type text not null,
        created_at timestamptz not null default now()
      )
    `,

    sql`
      create table role_permissions (
        role text not null,
        permission_id uuid not null references permissions (id) on delete cascade,
        organization_id uuid not null references organizations (id) on delete cascade,
        primary key (role, permission_id, organization_id)
      )
    `,
    sql`create index role_permissions_organization_id_idx on role_permissions (organization_id, role)`,
    sql`create index role_permissions_permission_id_idx on role_permissions (permission_id)`,
    ...tenantIsolation('role_permissions'),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, dropTables(IDENTITY_TABLES));
}
