import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { createDb, withoutPlanMethods, type Database } from '../src/index.ts';

describe('withoutPlanMethods', () => {
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
