import { sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * Building blocks of the Foundation migration. Everything here belongs to that migration: a later
 * migration that needs the same DDL writes its own, so Foundation never changes once run.
 */

export async function execute(db: Kysely<any>, statements: readonly RawBuilder<unknown>[]): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

/** Row-level security: a session sees and writes only rows of the organisation it set. */
export function tenantIsolation(table: string): RawBuilder<unknown>[] {
  return [
    sql`alter table ${sql.table(table)} enable row level security`,
    sql`
      create policy tenant_isolation on ${sql.table(table)} for all
        using (organization_id = stratus_current_organization())
        with check (organization_id = stratus_current_organization())
    `,
  ];
}

export function keepUpdatedAt(table: string): RawBuilder<unknown> {
  return sql`
    create trigger ${sql.id(`${table}_set_updated_at`)} before update on ${sql.table(table)}
      for each row execute function set_updated_at()
  `;
}

export function dropTables(tables: readonly string[]): RawBuilder<unknown>[] {
  return [...tables].reverse().map((table) => sql`drop table if exists ${sql.table(table)}`);
}
