import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { createDb, probeEach, withoutPlanMethods, type Database } from '../src/index.ts';

let database: TestDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 1 });
});
afterAll(async () => {
  await db.destroy();
  await database.drop();
});

describe('withoutPlanMethods', () => {
  const settings = async (trx: Kysely<Database>) =>
    (await sql<{ sort: string; nestloop: string }>`select current_setting('enable_sort') as sort, current_setting('enable_nestloop') as nestloop`.execute(trx)).rows[0]!;

  it('plans the statements it runs without the methods, then puts back what the transaction had', async () => {
    await db.transaction().execute(async (trx) => {
      await sql`select set_config('enable_sort', 'off', true)`.execute(trx);
      await sql`create temporary table lines on commit drop as select n % 500 as resource, n as amount from generate_series(1, 20000) n`.execute(trx);
      await sql`create index on lines (resource)`.execute(trx);
      await sql`analyze lines`.execute(trx);
      // A few resources, each probed in the index: the plan the planner likes best when it expects few rows.
      const join = sql<{ 'QUERY PLAN': string }>`explain select l.resource, sum(l.amount) from lines l where l.resource in (select n from generate_series(1, 3) n) group by 1`;
      const planOf = async () => (await join.execute(trx)).rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(await planOf()).toContain('Nested Loop');

      const inside = await withoutPlanMethods(trx, ['enable_nestloop', 'enable_sort'], async () => ({ settings: await settings(trx), plan: await planOf() }));
      expect(inside.settings).toEqual({ sort: 'off', nestloop: 'off' });
      expect(inside.plan).not.toContain('Nested Loop');
      expect(inside.plan).toContain('Hash');
      // enable_sort was off before, and stays so.
      expect(await settings(trx)).toEqual({ sort: 'off', nestloop: 'on' });
    });
  });

  it('leaves the settings to the rollback when what it runs fails', async () => {
    await db.transaction().execute(async (trx) => {
      await sql`savepoint statement`.execute(trx);
      await expect(withoutPlanMethods(trx, ['enable_nestloop'], () => sql`select 1 / 0`.execute(trx))).rejects.toThrow(/division by zero/);
      await sql`rollback to savepoint statement`.execute(trx);
      expect(await settings(trx)).toEqual({ sort: 'on', nestloop: 'on' });
    });
  });
});

describe('probeEach', () => {
  it('returns every row each key finds, each key its own probe of the index', async () => {
    await db.transaction().execute(async (trx) => {
      await sql`create temporary table notes on commit drop as select gen_random_uuid() as owner, n from generate_series(1, 2000) n`.execute(trx);
      await sql`insert into notes select owner, n + 10000 from notes where n <= 3`.execute(trx);
      await sql`create index on notes (owner)`.execute(trx);
      const owners = (await sql<{ owner: string }>`select owner from notes where n <= 3 order by n`.execute(trx)).rows.map((row) => row.owner);
      const query = (owner: Parameters<Parameters<typeof probeEach>[2]>[0]) => sql<{ owner: string; n: number }>`select owner, n from notes where owner = ${owner}`;

      const found = await probeEach(trx, [...owners, '00000000-0000-0000-0000-000000000000'], query);
      expect(found.map(({ owner, n }) => [owners.indexOf(owner), n]).sort((a, b) => a[1]! - b[1]!)).toEqual([
        [0, 1], [1, 2], [2, 3], [0, 10001], [1, 10002], [2, 10003],
      ]);
      expect(await probeEach(trx, [], query)).toEqual([]);

      // Each key its own descent of the index: an IN list or a join would be one scan, or none.
      const probes = async () => Number((await sql<{ n: string }>`select idx_scan as n from pg_stat_xact_user_tables where relname = 'notes'`.execute(trx)).rows[0]!.n);
      const before = await probes();
      await probeEach(trx, owners, query);
      expect((await probes()) - before).toBe(owners.length);
    });
  });
});
