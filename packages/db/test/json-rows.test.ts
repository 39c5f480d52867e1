import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { createDb, jsonRows, withTenant, type Database } from '../src/index.ts';
import { seedTenant, type Tenant } from './seed-tenant.ts';

describe('jsonRows', () => {
  let database: TestDatabase;
  let owner: Kysely<Database>;
  let executor: Kysely<Database>;
  let tenant: Tenant;

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = createDb({ url: database.url, max: 2 });
    executor = createDb({ url: database.url, role: 'stratus_action_executor', max: 2 });
    tenant = await seedTenant(owner, 'acme');
  });
  afterAll(async () => {
    await Promise.all([owner.destroy(), executor.destroy()]);
    await database.drop();
  });

  const insertActions = (db: Kysely<Database>, rows: Parameters<typeof jsonRows<'actions'>>[1]) =>
    db
      .insertInto('actions')
      .columns(['id', 'organization_id', 'action_type', 'resource_id', 'parameters', 'status', 'created_by'])
      .expression((eb) =>
        eb.selectFrom(jsonRows('actions', rows).as('a')).select(['a.id', 'a.organization_id', 'a.action_type', 'a.resource_id', 'a.parameters', 'a.status', 'a.created_by']),
      )
      .returning('id')
      .execute();

  it('inserts many rows from one parameter, each value read with its column type, in the order given', async () => {
    const ids = Array.from({ length: 3 }, () => randomUUID());
    const inserted = await withTenant(executor, tenant.organizationId, (trx) =>
      insertActions(
        trx,
        ids.map((id, index) => ({
          id,
          organization_id: tenant.organizationId,
          action_type: index === 0 ? 'stop' : 'tag',
          resource_id: tenant.resourceId,
          parameters: { tags: { owner: `team-${index}` }, nested: [1, 'two', null] },
          status: 'queued',
          // Left out of the other rows: it reads as null.
          ...(index === 2 ? { created_by: tenant.userId } : {}),
        })),
      ),
    );
    expect(inserted.map((row) => row.id)).toEqual(ids);
    const rows = await owner.selectFrom('actions').select(['id', 'action_type', 'parameters', 'status', 'created_by', 'created_at']).where('id', 'in', ids).execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(ids[0]!)).toMatchObject({ action_type: 'stop', status: 'queued', created_by: null, parameters: { tags: { owner: 'team-0' }, nested: [1, 'two', null] } });
    expect(byId.get(ids[2]!)).toMatchObject({ action_type: 'tag', created_by: tenant.userId });
    // A column the insert does not list keeps its default.
    expect(byId.get(ids[1]!)!.created_at).toBeInstanceOf(Date);
  });

  it('refuses a row its table does not accept, naming the constraint, and writes none of the rows', async () => {
    const ids = [randomUUID(), randomUUID()];
    await expect(
      withTenant(executor, tenant.organizationId, (trx) =>
        insertActions(trx, [
          { id: ids[0], organization_id: tenant.organizationId, action_type: 'tag', parameters: {}, status: 'queued' },
          { id: ids[1], organization_id: tenant.organizationId, action_type: 'explode', parameters: {}, status: 'queued' },
        ]),
      ),
    ).rejects.toThrow(/actions_action_type_check/);
    await expect(
      withTenant(executor, tenant.organizationId, (trx) =>
        insertActions(trx, [{ id: ids[0], organization_id: tenant.organizationId, action_type: 'tag', parameters: {}, status: 'exploded' }]),
      ),
    ).rejects.toThrow(/invalid input value for enum action_status: "exploded"/);
    expect(await owner.selectFrom('actions').select('id').where('id', 'in', ids).execute()).toEqual([]);
  });

  it('leaves row-level security to judge each row: another organisation’s row is refused', async () => {
    const other = await seedTenant(owner, 'globex');
    await expect(
      withTenant(executor, tenant.organizationId, (trx) =>
        insertActions(trx, [{ id: randomUUID(), organization_id: other.organizationId, action_type: 'tag', parameters: {}, status: 'queued' }]),
      ),
    ).rejects.toThrow(/row-level security/);
  });
});
