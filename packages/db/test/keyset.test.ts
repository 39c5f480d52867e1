import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { createDb, newestFirst, type Database, type KeysetCursor } from '../src/index.ts';
import { seedTenant, type Tenant } from './seed-tenant.ts';

describe('newestFirst keyset pagination', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let tenant: Tenant;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb({ url: database.url, max: 2 });
    tenant = await seedTenant(db, 'pager');
    // 25 rows, ten of them within one millisecond (microseconds apart), two sharing a timestamp:
    // a cursor rounded to the millisecond, or ordering by time alone, would skip or repeat some.
    await sql`
      insert into activity_log (organization_id, type, summary, created_at)
      select ${tenant.organizationId}::uuid, 'test', 'row ' || n,
             timestamptz '2026-11-01 12:00:00.123' + case when n <= 10 then (n / 2) * interval '1 microsecond'
                                                           else n * interval '1 second' end
        from generate_series(1, 25) n
    `.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('walks every row exactly once, newest first, across pages of any size', async () => {
    const expected = await db.selectFrom('activity_log').select('id').orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    for (const limit of [1, 3, 7, 25, 40]) {
      const seen: string[] = [];
      let after: KeysetCursor | undefined;
      for (;;) {
        const rows = await db.selectFrom('activity_log').select(['id']).$call(newestFirst(after, limit)).execute();
        const page = rows.slice(0, limit);
        seen.push(...page.map((row) => row.id));
        if (rows.length <= limit) break;
        after = { at: page.at(-1)!.keyset_at, id: page.at(-1)!.id };
      }
      expect(seen, `limit ${limit}`).toEqual(expected.map((row) => row.id));
    }
  });
});
