import { sql, type Kysely } from 'kysely';
import { execute, keepUpdatedAt, tenantIsolation } from './foundation/ddl.ts';

/**
 * Cost archives (issue #19, point 2): before the cost service drops a month of raw cost_data past
 * retention, each organisation's lines of the month are written to the object store as Parquet with
 * a manifest of row counts and sums, read back and checked, and only then dropped. A row here is
 * one organisation's month: where its objects are, what they hold, and whether the month was
 * restored into the cost store since (a restored month is kept there: maintenance leaves it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create table cost_archives (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        month date not null constraint cost_archives_month_check check (month = date_trunc('month', month)::date),
        status text not null default 'writing'
          constraint cost_archives_status_check check (status in ('writing', 'archived', 'restoring', 'restored')),
        bucket text not null,
        manifest_key text not null,
        object_keys text[] not null default '{}',
        rows bigint not null default 0,
        bytes bigint not null default 0,
        sums jsonb not null default '{}',
        archived_at timestamptz,
        restored_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint cost_archives_organization_month_key unique (organization_id, month)
      )
    `,
    ...tenantIsolation('cost_archives'),
    keepUpdatedAt('cost_archives'),
    sql`grant select on cost_archives to stratus_service`,
    sql`grant insert, update, delete on cost_archives to stratus_cost`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [sql`drop table if exists cost_archives`]);
}
