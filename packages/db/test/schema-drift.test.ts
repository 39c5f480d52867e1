import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { CHECKED_VALUES, ENUM_VALUES, TABLES, TABLE_ACCESS, TABLE_COLUMNS, VIEW_COLUMNS } from '../src/index.ts';

/** The restrictive policies of the TeamAccess migration, in name order as the catalogue query sorts them. */
const TEAM_POLICIES = { account: ['team_delete', 'team_insert', 'team_read', 'team_update'], organisation: ['team_delete', 'team_insert', 'team_update'], admins: ['team_delete', 'team_insert', 'team_read', 'team_update'], subject: ['team_read'] };
const teamPolicies = (table: (typeof TABLES)[number]) => {
  const scope = TABLE_ACCESS[table].teamScoped;
  return scope ? TEAM_POLICIES[scope] : [];
};

/**
 * The table registry of @stratus/db against a migrated database: the same tables and views, each
 * table's columns and their nullability (mirrored by TABLE_COLUMNS, which the compiler holds to the
 * interfaces), the enum values, and the rules every table follows (row-level security or a written
 * exemption, the updated_at trigger). Grants are checked in access.test.ts.
 */
describe('the table registry vs the migrated schema', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  async function columns(relations: readonly string[]) {
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

  /** Relations of the public schema by kind, partitions and the migrator's own tables left out. */
  async function catalogue(kinds: string[]): Promise<string[]> {
    const { rows } = await sql<{ relname: string }>`
      select relname from pg_class
       where relnamespace = 'public'::regnamespace and relkind = any(${kinds}::"char"[]) and not relispartition
         and relname not like 'kysely_migration%'
       order by 1
    `.execute(database.owner);
    return rows.map((row) => row.relname);
  }

  it('registers every table and view of the database, and nothing else', async () => {
    expect(await catalogue(['r', 'p'])).toEqual([...TABLES].sort());
    expect(await catalogue(['v', 'm'])).toEqual(Object.keys(VIEW_COLUMNS).sort());
  });

  it.each(TABLES)('%s has the columns and nullability of its interface', async (table) => {
    expect((await columns([table])).get(table)).toEqual(TABLE_COLUMNS[table]);
  });

  it('views have the columns of their interfaces', async () => {
    const actual = await columns(Object.keys(VIEW_COLUMNS));
    for (const [view, expected] of Object.entries(VIEW_COLUMNS)) {
      expect(Object.keys(actual.get(view) ?? {}).sort(), view).toEqual(Object.keys(expected).sort());
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

  it('text columns held to a list of values by a check constraint have the values of their TypeScript lists', async () => {
    const { rows } = await sql<{ relname: string; definition: string }>`
      select c.relname, pg_get_constraintdef(k.oid) as definition
        from pg_constraint k join pg_class c on c.oid = k.conrelid
       where k.contype = 'c' and c.relnamespace = 'public'::regnamespace and not c.relispartition
    `.execute(database.owner);
    // `check (column in ('a', 'b'))` reads back as CHECK ((column = ANY (ARRAY['a'::text, 'b'::text]))).
    const checked: Record<string, string[]> = {};
    for (const { relname, definition } of rows) {
      const match = /^CHECK \(\(\(?(\w+)\)?(?:::[\w ]+)? = ANY \(\(?ARRAY\[([^\]]*)\]/.exec(definition);
      if (match) checked[`${relname}.${match[1]}`] = [...match[2]!.matchAll(/'([^']*)'/g)].map((value) => value[1]!);
    }
    expect(checked).toEqual(CHECKED_VALUES);
  });

  it('every table has row-level security with the tenant_isolation policy (and the team policies where rows belong to an account), or a written exemption', async () => {
    const { rows } = await sql<{ relname: string; relrowsecurity: boolean; policies: string[] }>`
      select c.relname, c.relrowsecurity, coalesce(array_agg(p.polname order by p.polname) filter (where p.polname is not null), '{}')::text[] as policies
        from pg_class c left join pg_policy p on p.polrelid = c.oid
       where c.relnamespace = 'public'::regnamespace and c.relname = any(${TABLES})
       group by c.relname, c.relrowsecurity
    `.execute(database.owner);
    const actual = Object.fromEntries(rows.map((row) => [row.relname, { rls: row.relrowsecurity, policies: row.policies }]));
    const expected = Object.fromEntries(
      TABLES.map((table) =>
        TABLE_ACCESS[table].rowSecurity === 'tenant_isolation'
          ? [table, { rls: true, policies: [...teamPolicies(table), 'tenant_isolation'] }]
          : [table, { rls: false, policies: [] }],
      ),
    );
    expect(actual).toEqual(expected);
  });

  it('an exemption from row-level security says why, and no table holding tenant rows has one', () => {
    const exempt = TABLES.filter((table) => TABLE_ACCESS[table].rowSecurity !== 'tenant_isolation');
    for (const table of exempt) {
      const { rowSecurity } = TABLE_ACCESS[table];
      expect(typeof rowSecurity === 'object' && rowSecurity.exempt.length > 20, `${table}: the exemption's reason`).toBe(true);
      expect('organization_id' in TABLE_COLUMNS[table], `${table} holds tenant rows`).toBe(false);
    }
  });

  it('every table with updated_at keeps it with the set_updated_at trigger, and only those', async () => {
    const withUpdatedAt = TABLES.filter((table) => 'updated_at' in TABLE_COLUMNS[table]);
    const { rows } = await sql<{ relname: string }>`
      select distinct c.relname from pg_trigger t join pg_class c on c.oid = t.tgrelid
       where t.tgfoid = 'set_updated_at'::regproc and not t.tgisinternal and not c.relispartition
    `.execute(database.owner);
    expect(rows.map((row) => row.relname).sort()).toEqual([...withUpdatedAt].sort());
  });
});
