import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { CORE_TABLES, ENUM_VALUES, coreColumns, coreViewColumns, costStoreColumns, eventBackboneColumns, ingestionColumns, notificationDeliveryColumns, recommendationHistoryColumns } from '../src/index.ts';

/**
 * The Kysely interfaces against a migrated database: each table's columns and their nullability
 * (mirrored at runtime by coreColumns, which the compiler holds to the interfaces), the views'
 * columns, the enum values, and the conventions every tenant-owned table follows.
 */
describe('Database interface vs the migrated schema', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  async function columns(relations: string[]) {
    const { rows } = await sql<{ table_name: string; column_name: string; is_nullable: 'YES' | 'NO' }>`
      select table_name, column_name, is_nullable from information_schema.columns
       where table_schema = 'public' and table_name = any(${relations})
    `.execute(database.owner);
    const byTable = new Map<string, Record<string, 'null' | 'not null'>>();
    for (const row of rows) {
      const table = byTable.get(row.table_name) ?? {};
      table[row.column_name] = row.is_nullable === 'YES' ? 'null' : 'not null';
      byTable.set(row.table_name, table);
    }
    return byTable;
  }

  it.each(CORE_TABLES)('%s has the columns and nullability of its interface', async (table) => {
    const actual = (await columns([table])).get(table);
    expect(actual).toEqual(coreColumns[table]);
  });

  const laterColumns: Record<string, Record<string, 'null' | 'not null'>> = {
    ...eventBackboneColumns,
    ...ingestionColumns,
    ...costStoreColumns,
    ...notificationDeliveryColumns,
    ...recommendationHistoryColumns,
  };
  it.each(Object.keys(laterColumns))('%s (a later migration) has the columns and nullability of its interface', async (table) => {
    expect((await columns([table])).get(table)).toEqual(laterColumns[table]);
  });

  it('views have the columns of their interfaces', async () => {
    const actual = await columns(Object.keys(coreViewColumns));
    for (const [view, expected] of Object.entries(coreViewColumns)) {
      expect(Object.keys(actual.get(view) ?? {}).sort()).toEqual(Object.keys(expected).sort());
    }
  });

  it('enum types have the values of their TypeScript lists, in order', async () => {
    const { rows } = await sql<{ typname: string; labels: string[] }>`
      select t.typname, array_agg(e.enumlabel order by e.enumsortorder)::text[] as labels
        from pg_type t join pg_enum e on e.enumtypid = t.oid
       where t.typnamespace = 'public'::regnamespace and t.typname = any(${Object.keys(ENUM_VALUES)})
       group by t.typname
    `.execute(database.owner);
    expect(Object.fromEntries(rows.map((row) => [row.typname, row.labels]))).toEqual(ENUM_VALUES);
  });

  it('every tenant-owned table has row-level security with the tenant_isolation policy', async () => {
    const tenantOwned = CORE_TABLES.filter((table) => 'organization_id' in coreColumns[table]);
    const { rows } = await sql<{ relname: string; relrowsecurity: boolean; policies: string[] }>`
      select c.relname, c.relrowsecurity, coalesce(array_agg(p.polname) filter (where p.polname is not null), '{}')::text[] as policies
        from pg_class c left join pg_policy p on p.polrelid = c.oid
       where c.relnamespace = 'public'::regnamespace and c.relname = any(${[...tenantOwned, 'organizations', 'permissions']})
       group by c.relname, c.relrowsecurity
    `.execute(database.owner);
    const security = Object.fromEntries(rows.map((row) => [row.relname, { rls: row.relrowsecurity, policies: row.policies }]));
    for (const table of [...tenantOwned, 'organizations']) {
      expect(security[table], table).toEqual({ rls: true, policies: ['tenant_isolation'] });
    }
    // The permission catalogue is global.
    expect(security.permissions).toEqual({ rls: false, policies: [] });
  });

  it('every table with updated_at keeps it with the set_updated_at trigger', async () => {
    const withUpdatedAt = CORE_TABLES.filter((table) => 'updated_at' in coreColumns[table]);
    const { rows } = await sql<{ relname: string }>`
      select c.relname from pg_trigger t join pg_class c on c.oid = t.tgrelid
       where t.tgfoid = 'set_updated_at'::regproc and not t.tgisinternal
    `.execute(database.owner);
    expect(rows.map((row) => row.relname).sort()).toEqual([...withUpdatedAt].sort());
  });
});
