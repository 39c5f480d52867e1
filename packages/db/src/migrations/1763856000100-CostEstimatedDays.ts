import { sql, type Kysely } from 'kysely';
import { dropTables, execute, tenantIsolation } from './foundation/ddl.ts';

/**
 * The days of an account whose cost is still an estimate at the provider (Cost Explorer's
 * `Estimated` periods), as the last applied import of each day said. An import replaces its
 * period's lines and, with them, its period's rows here: the pull that brings a day's final amounts
 * takes the day off this table. A table of its own, not a column of the rollups: a day is estimated
 * or not as a whole at the provider, and the API reports it per day, next to any breakdown.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      create table cost_estimated_days (
        organization_id uuid not null references organizations (id) on delete cascade,
        cloud_account_id uuid not null references cloud_accounts (id) on delete cascade,
        day date not null,
        import_id uuid not null,
        primary key (cloud_account_id, day)
      )
    `,
    sql`create index cost_estimated_days_organization_idx on cost_estimated_days (organization_id, day)`,
    ...tenantIsolation('cost_estimated_days'),
    sql`grant select on cost_estimated_days to stratus_service`,
    sql`grant insert, update, delete on cost_estimated_days to stratus_cost`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, dropTables(['cost_estimated_days']));
}
