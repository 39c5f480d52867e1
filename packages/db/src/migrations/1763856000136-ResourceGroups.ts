import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * Resource groups (issue #18, point 6): a group of an account's resources is set by hand, or by a
 * match expression (the automation match language), in which case ingestion keeps its memberships
 * in step with each sync. Expression groups are found by account at every sync: the index serves it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`alter table resource_groups add column match text`,
    sql`create index resource_groups_account_idx on resource_groups (cloud_account_id) where match is not null`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [sql`drop index if exists resource_groups_account_idx`, sql`alter table resource_groups drop column if exists match`]);
}
