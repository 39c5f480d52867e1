import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { createDb, prepared, withTenant, type Database } from '../src/index.ts';
import { seedTenant, type Tenant } from './seed-tenant.ts';

describe('prepared', () => {
  let database: TestDatabase;
  let owner: Kysely<Database>;
  let executor: Kysely<Database>;
  let tenant: Tenant;

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = createDb({ url: database.url, max: 2 });
    // One connection: the statements it has prepared are the ones this test sent.
    executor = createDb({ url: database.url, role: 'stratus_action_executor', max: 1 });
    tenant = await seedTenant(owner, 'acme');
  });
  afterAll(async () => {
    await Promise.all([owner.destroy(), executor.destroy()]);
    await database.drop();
  });

  const preparedOnConnection = async (db: Kysely<Database>) =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map((row) => row.statement);

  const actionsOf = (trx: Kysely<Database>, ids: string[]) =>
    trx.selectFrom('actions').select(['id', 'status']).where((eb) => eb('id', '=', eb.fn.any(sql<string[]>`${ids}::uuid[]`))).orderBy('id');

  it('runs a marked statement as one named statement per connection, whatever its values, and leaves the others unnamed', async () => {
    const ids = [randomUUID(), randomUUID()].sort();
    await withTenant(executor, tenant.organizationId, (trx) =>
      trx
        .insertInto('actions')
        .values(ids.map((id) => ({ id, organization_id: tenant.organizationId, action_type: 'tag' as const, parameters: '{}', status: 'queued' as const })))
        .execute(),
    );
    // The same text with other values, in several transactions, under row-level security.
    for (const asked of [ids, [ids[0]!], [randomUUID()]]) {
      const { rows } = await withTenant(executor, tenant.organizationId, (trx) => prepared(trx, actionsOf(trx, asked)));
      expect(rows.map((row) => row.id)).toEqual(asked.filter((id) => ids.includes(id)));
    }
    const raw = await prepared(executor, sql<{ n: number }>`select ${41}::int + 1 as n`);
    expect(raw.rows).toEqual([{ n: 42 }]);

    const statements = await preparedOnConnection(executor);
    expect(statements).toHaveLength(2);
    expect(statements.some((statement) => statement.includes('from "actions"'))).toBe(true);
    expect(statements.some((statement) => statement.includes('+ 1 as n'))).toBe(true);
    // Row-level security still applies to the prepared statement: another organisation sees nothing.
    const other = await seedTenant(owner, 'globex');
    expect((await withTenant(executor, other.organizationId, (trx) => prepared(trx, actionsOf(trx, ids)))).rows).toEqual([]);
  });

  it('sends every statement unnamed when the pool is told not to prepare (a pooler that cannot keep them)', async () => {
    const unprepared = createDb({ url: database.url, role: 'stratus_action_executor', max: 1, preparedStatements: false });
    try {
      const { rows } = await withTenant(unprepared, tenant.organizationId, (trx) => prepared(trx, actionsOf(trx, [randomUUID()])));
      expect(rows).toEqual([]);
      expect(await preparedOnConnection(unprepared)).toEqual([]);
    } finally {
      await unprepared.destroy();
    }
  });
});
