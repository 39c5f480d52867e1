import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { createDb, lookUpByKey, withTenant, type Database, type ServiceRole } from '../src/index.ts';
import { seedTenant, type Tenant } from './seed-tenant.ts';

const RLS_REFUSAL = /new row violates row-level security policy/;

describe('tenant isolation by row-level security', () => {
  let database: TestDatabase;
  let owner: Kysely<Database>;
  const services = new Map<ServiceRole, Kysely<Database>>();
  let a: Tenant;
  let b: Tenant;

  function as(role: ServiceRole): Kysely<Database> {
    const db = services.get(role) ?? createDb({ url: database.url, role, max: 2 });
    services.set(role, db);
    return db;
  }

  function costRow(t: Tenant) {
    return {
      organization_id: t.organizationId,
      cloud_account_id: t.cloudAccountId,
      resource_id: t.resourceId,
      provider: 'AWS' as const,
      service: 'AmazonEC2',
      timestamp: new Date(),
      amount: '12.500000',
      currency: 'USD',
      granularity: 'daily' as const,
    };
  }

  function recommendationRow(t: Tenant) {
    return {
      organization_id: t.organizationId,
      resource_id: t.resourceId,
      subject_id: t.resourceId,
      provider: 'AWS' as const,
      recommendation_type: 'rightsize',
      title: 'Downsize m5.2xlarge',
      estimated_savings: '42.000000',
    };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = createDb({ url: database.url, max: 2 });
    a = await seedTenant(owner, 'acme');
    b = await seedTenant(owner, 'globex');
    for (const t of [a, b]) {
      await owner.insertInto('cost_data').values(costRow(t)).execute();
      await owner.insertInto('recommendations').values(recommendationRow(t)).execute();
    }
  });
  afterAll(async () => {
    await Promise.all([...services.values(), owner].map((db) => db.destroy()));
    await database.drop();
  });

  it("shows a service only its tenant's resources, cost data and recommendations", async () => {
    const seen = await withTenant(as('stratus_cost'), a.organizationId, async (trx) => ({
      organizations: await trx.selectFrom('organizations').select('id').execute(),
      resources: await trx.selectFrom('resources').select('organization_id').execute(),
      cost_data: await trx.selectFrom('cost_data').select('organization_id').execute(),
      recommendations: await trx.selectFrom('recommendations').select('organization_id').execute(),
    }));
    expect(seen).toEqual({
      organizations: [{ id: a.organizationId }],
      resources: [{ organization_id: a.organizationId }],
      cost_data: [{ organization_id: a.organizationId }],
      recommendations: [{ organization_id: a.organizationId }],
    });
    // The owner (no role) sees both, so the rows exist.
    expect(await owner.selectFrom('cost_data').select('organization_id').execute()).toHaveLength(2);
  });

  it("refuses to write a row for another tenant, even with the owning service's role", async () => {
    await expect(
      withTenant(as('stratus_cost'), a.organizationId, (trx) => trx.insertInto('cost_data').values(costRow(b)).execute()),
    ).rejects.toThrow(RLS_REFUSAL);
    await expect(
      withTenant(as('stratus_ingestion'), a.organizationId, (trx) =>
        trx
          .insertInto('resources')
          .values({
            organization_id: b.organizationId,
            cloud_account_id: b.cloudAccountId,
            provider: 'AWS',
            provider_resource_id: `i-${randomUUID()}`,
            type: 'EC2',
          })
          .execute(),
      ),
    ).rejects.toThrow(RLS_REFUSAL);
    await expect(
      withTenant(as('stratus_recommendation'), a.organizationId, (trx) =>
        trx.insertInto('recommendations').values(recommendationRow(b)).execute(),
      ),
    ).rejects.toThrow(RLS_REFUSAL);
    // Moving an own row to the other tenant is refused as well.
    await expect(
      withTenant(as('stratus_recommendation'), a.organizationId, (trx) =>
        trx.updateTable('recommendations').set({ organization_id: b.organizationId }).execute(),
      ),
    ).rejects.toThrow(RLS_REFUSAL);
  });

  it('writes within its own tenant', async () => {
    const inserted = await withTenant(as('stratus_cost'), a.organizationId, (trx) =>
      trx.insertInto('cost_data').values(costRow(a)).returning('amount').executeTakeFirstOrThrow(),
    );
    // numeric arrives as an exact decimal string, at the lines' scale of 24.
    expect(inserted.amount).toBe('12.500000000000000000000000');
  });

  it('shows nothing without a tenant, including after a tenant transaction on the same connection', async () => {
    const cost = createDb({ url: database.url, role: 'stratus_cost', max: 1 });
    try {
      await withTenant(cost, a.organizationId, (trx) => trx.selectFrom('resources').select('id').execute());
      expect(await cost.selectFrom('resources').select('id').execute()).toEqual([]);
      expect(await cost.selectFrom('cost_data').select('id').execute()).toEqual([]);
      expect(await cost.selectFrom('recommendations').select('id').execute()).toEqual([]);
      expect(await cost.selectFrom('organizations').select('id').execute()).toEqual([]);
    } finally {
      await cost.destroy();
    }
  });

  it('withTenant scopes an enclosing transaction and rejects ids that are not UUIDs', async () => {
    const rows = await as('stratus_cost')
      .transaction()
      .execute((trx) => withTenant(trx, b.organizationId, (scoped) => scoped.selectFrom('resources').select('organization_id').execute()));
    expect(rows).toEqual([{ organization_id: b.organizationId }]);
    await expect(withTenant(owner, "x' or true --", async () => 'never')).rejects.toThrow(
      /withTenant: organizationId must be a UUID/,
    );
  });

  it('withTenant byKey turns bitmap scans off for its transaction only, as lookUpByKey does for one already open', async () => {
    const executor = createDb({ url: database.url, role: 'stratus_action_executor', max: 1 });
    const setting = async (db: Kysely<Database>) =>
      (await sql<{ value: string }>`select current_setting('enable_bitmapscan') as value`.execute(db)).rows[0]!.value;
    try {
      const inside = await withTenant(executor, a.organizationId, async (trx) => ({
        value: await setting(trx),
        resources: await trx.selectFrom('resources').select('organization_id').execute(),
      }), { byKey: true });
      expect(inside).toEqual({ value: 'off', resources: [{ organization_id: a.organizationId }] });
      // The same connection, next transaction.
      expect(await setting(executor)).toBe('on');
      expect(await withTenant(executor, a.organizationId, (trx) => setting(trx))).toBe('on');
      expect(await withTenant(executor, a.organizationId, async (trx) => (await lookUpByKey(trx), setting(trx)))).toBe('off');
      expect(await setting(executor)).toBe('on');
    } finally {
      await executor.destroy();
    }
  });

  it('createDb refuses a role it does not know', () => {
    expect(() => createDb({ url: database.url, role: 'postgres' as ServiceRole })).toThrow(/createDb: unknown role "postgres"/);
  });
});
