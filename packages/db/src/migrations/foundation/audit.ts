import { sql, type Kysely } from 'kysely';
import { dropTables, execute, tenantIsolation } from './ddl.ts';

export const AUDIT_TABLES = ['notifications', 'activity_log', 'audit_logs'];

/** Triggers that refuse UPDATE, DELETE (but an organisation's erasure) and TRUNCATE, even to the owner. */
export function appendOnly(table: string) {
  return [
    sql`
      create trigger ${sql.id(`${table}_append_only`)} before update or delete on ${sql.table(table)}
        for each row execute function stratus_append_only()
    `,
    sql`
      create trigger ${sql.id(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
        for each statement execute function stratus_append_only()
    `,
  ];
}

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create table notifications (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid references users (id) on delete cascade,
        team_id uuid references teams (id) on delete cascade,
        title text not null,
        message text not null,
        type text not null,
        status text not null default 'unread',
        created_at timestamptz not null default now(),
        expires_at timestamptz,
        data jsonb
      )
    `,
    sql`create index notifications_user_id_status_idx on notifications (user_id, status)`,
    sql`create index notifications_team_id_idx on notifications (team_id)`,
    sql`create index notifications_organization_id_idx on notifications (organization_id, created_at desc)`,
    ...tenantIsolation('notifications'),

    // The acting user's foreign key has no ON DELETE action: SET NULL would be an UPDATE, which
    // the append-only trigger refuses, so a user with history is disabled rather than deleted.
    sql`
      create table activity_log (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        actor uuid references users (id),
        type text not null,
        subject text,
        summary text not null,
        status text,
        details jsonb not null default '{}',
        created_at timestamptz not null default now()
      )
    `,
    sql`create index activity_log_actor_idx on activity_log (actor)`,
    sql`create index activity_log_organization_id_created_at_idx on activity_log (organization_id, created_at desc)`,
    ...tenantIsolation('activity_log'),
    ...appendOnly('activity_log'),

    // Unique (organization_id, prev_hash): two entries can never claim the same predecessor, so
    // concurrent writers cannot fork the hash chain.
    sql`
      create table audit_logs (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid references users (id),
        event_id uuid unique,
        action text not null,
        resource_type text,
        resource_id text,
        "timestamp" timestamptz not null default now(),
        ip_address text,
        user_agent text,
        details jsonb,
        prev_hash bytea,
        hash bytea,
        unique (organization_id, prev_hash)
      )
    `,
    sql`create index audit_logs_organization_id_timestamp_idx on audit_logs (organization_id, "timestamp" desc)`,
    sql`create index audit_logs_user_id_idx on audit_logs (user_id)`,
    ...tenantIsolation('audit_logs'),
    ...appendOnly('audit_logs'),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, dropTables(AUDIT_TABLES));
}
