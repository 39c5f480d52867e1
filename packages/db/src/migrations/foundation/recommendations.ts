import { sql, type Kysely } from 'kysely';
import { dropTables, execute, keepUpdatedAt, tenantIsolation } from './ddl.ts';

export const RECOMMENDATION_TABLES = ['recommendations', 'recommendation_actions'];

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    // Seed 000's integer priority (higher first) wins over seed 002's high/medium/low, its
    // `impact` becomes estimated_savings (monthly) and its `metadata` becomes details.
    sql`
      create table recommendations (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        cloud_account_id uuid references cloud_accounts (id) on delete cascade,
        resource_id uuid references resources (id) on delete set null,
        user_id uuid references users (id) on delete set null,
        provider cloud_provider not null,
        recommendation_type text not null,
        title text not null,
        reason text,
        status recommendation_status not null default 'open',
        priority smallint not null default 0,
        estimated_savings numeric(20, 6),
        currency char(3),
        details jsonb not null default '{}',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        expires_at timestamptz
      )
    `,
    sql`create index recommendations_organization_id_priority_idx on recommendations (organization_id, priority desc)`,
    sql`create index recommendations_status_idx on recommendations (status)`,
    sql`create index recommendations_cloud_account_id_idx on recommendations (cloud_account_id)`,
    sql`create index recommendations_resource_id_idx on recommendations (resource_id)`,
    ...tenantIsolation('recommendations'),
    keepUpdatedAt('recommendations'),

    sql`
      create table recommendation_actions (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid references users (id) on delete set null,
        recommendation_id uuid not null references recommendations (id) on delete cascade,
        action text not null,
        status operation_status not null default 'queued',
        result jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index recommendation_actions_recommendation_id_idx on recommendation_actions (recommendation_id)`,
    sql`create index recommendation_actions_organization_id_status_idx on recommendation_actions (organization_id, status)`,
    ...tenantIsolation('recommendation_actions'),
    keepUpdatedAt('recommendation_actions'),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, dropTables(RECOMMENDATION_TABLES));
}
