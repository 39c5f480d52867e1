import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { createDb, withTenant, type CostsAggregates, type Database } from '../src/index.ts';
import { seedTenant, type Tenant } from './seed-tenant.ts';

describe('cost data partitions, cost aggregates and updated_at', () => {
  let database: TestDatabase;
  let owner: Kysely<Database>;
  let cost: Kysely<Database>;
  let tenant: Tenant;

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = createDb({ url: database.url, max: 2 });
    cost = createDb({ url: database.url, role: 'stratus_cost', max: 2 });
    tenant = await seedTenant(owner, 'acme');
  });
  afterAll(async () => {
    await Promise.all([cost.destroy(), owner.destroy()]);
    await database.drop();
  });

  async function partitionOf(id: string): Promise<string> {
    const { rows } = await sql<{ partition: string }>`
      select tableoid::regclass::text as partition from cost_data where id = ${id}
    `.execute(owner);
    return rows[0]!.partition;
  }

  function costLine(t: Tenant, timestamp: string, line: { cloud_account_id?: string; resource_id?: string } = {}) {
    return {
      organization_id: t.organizationId,
      cloud_account_id: t.cloudAccountId,
      provider: 'AWS' as const,
      timestamp,
      amount: 1,
      currency: 'USD',
      granularity: 'hourly' as const,
      ...line,
    };
  }

  async function insertCost(timestamp: string): Promise<string> {
    const row = await withTenant(cost, tenant.organizationId, (trx) =>
      trx.insertInto('cost_data').values(costLine(tenant, timestamp)).returning('id').executeTakeFirstOrThrow(),
    );
    return row.id;
  }

  it('creates monthly partitions from 12 months back to 3 ahead', async () => {
    const { rows } = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'cost_data'::regclass order by 1
    `.execute(owner);
    const now = new Date();
    const month = (offset: number) => {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
      return `cost_data_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    const expected = Array.from({ length: 16 }, (_, i) => month(i - 12));
    expect(rows.map((row) => row.name)).toEqual([...expected, 'cost_data_default'].sort());
  });

  it('puts a row of the current month in its partition and one far outside in the default partition', async () => {
    const now = new Date();
    const current = `cost_data_y${now.getUTCFullYear()}m${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(await partitionOf(await insertCost(now.toISOString()))).toBe(current);
    expect(await partitionOf(await insertCost('1999-06-15T10:00:00Z'))).toBe('cost_data_default');
  });

  it('ensure_cost_data_partitions adds missing months, taking over their rows from the default partition', async () => {
    const stray = await insertCost('2001-02-10T00:00:00Z');
    expect(await partitionOf(stray)).toBe('cost_data_default');

    const created = await sql<{ created: number }>`select ensure_cost_data_partitions('2001-01-20', 3) as created`.execute(cost);
    expect(created.rows[0]!.created).toBe(3);
    expect(await partitionOf(stray)).toBe('cost_data_y2001m02');

    const again = await sql<{ created: number }>`select ensure_cost_data_partitions('2001-01-01', 3) as created`.execute(cost);
    expect(again.rows[0]!.created).toBe(0);
    // Month boundaries are UTC: the last instant of February belongs to February's partition.
    expect(await partitionOf(await insertCost('2001-02-28T23:59:59.999Z'))).toBe('cost_data_y2001m02');
    expect(await partitionOf(await insertCost('2001-03-01T00:00:00Z'))).toBe('cost_data_y2001m03');
  });

  it('refuses a statement whose lines name an account or resource that does not exist, as a foreign key would', async () => {
    const write = (line: { cloud_account_id?: string; resource_id?: string }) =>
      withTenant(cost, tenant.organizationId, (trx) =>
        trx.insertInto('cost_data').values([costLine(tenant, '2001-04-01T00:00:00Z'), costLine(tenant, '2001-04-02T00:00:00Z', line)]).execute(),
      );
    await expect(write({ cloud_account_id: randomUUID() })).rejects.toMatchObject({ code: '23503', message: expect.stringMatching(/cloud account .* does not exist/) });
    await expect(write({ resource_id: randomUUID() })).rejects.toMatchObject({ code: '23503', message: expect.stringMatching(/resource .* does not exist/) });
    // Another tenant's resource exists: the check, like a foreign key's, is not limited by row-level security.
    const other = await seedTenant(owner, 'initech');
    await write({ resource_id: other.resourceId });
    const written = await owner.selectFrom('cost_data').select(sql<number>`count(*)::integer`.as('n')).where('timestamp', '>=', new Date('2001-04-01T00:00:00Z')).where('timestamp', '<', new Date('2001-04-03T00:00:00Z')).executeTakeFirstOrThrow();
    expect(written.n).toBe(2);
  });

  it('deleting a resource clears resource_id on its lines; deleting an account or organisation deletes its lines', async () => {
    const t = await seedTenant(owner, 'umbrella');
    const second = await owner
      .insertInto('cloud_accounts')
      .values({ organization_id: t.organizationId, name: 'umbrella staging', provider: 'AWS', account_id: '999988887777' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await owner
      .insertInto('cost_data')
      .values([
        costLine(t, '2001-05-01T00:00:00Z', { resource_id: t.resourceId }),
        costLine(t, '2001-05-02T00:00:00Z', { cloud_account_id: second.id }),
      ])
      .execute();
    const lines = () => owner.selectFrom('cost_data').select(['cloud_account_id', 'resource_id']).where('organization_id', '=', t.organizationId).orderBy('timestamp').execute();

    await owner.deleteFrom('resources').where('id', '=', t.resourceId).execute();
    expect(await lines()).toEqual([
      { cloud_account_id: t.cloudAccountId, resource_id: null },
      { cloud_account_id: second.id, resource_id: null },
    ]);
    await owner.deleteFrom('cloud_accounts').where('id', '=', second.id).execute();
    expect(await lines()).toEqual([{ cloud_account_id: t.cloudAccountId, resource_id: null }]);
    await owner.deleteFrom('organizations').where('id', '=', t.organizationId).execute();
    expect(await lines()).toEqual([]);
  });

  it('an account cannot be deleted while a transaction that wrote lines for it is open', async () => {
    const t = await seedTenant(owner, 'hooli');
    const writer = createDb({ url: database.url, role: 'stratus_cost', max: 1 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const writing = withTenant(writer, t.organizationId, async (trx) => {
      await trx.insertInto('cost_data').values(costLine(t, '2001-06-01T00:00:00Z')).execute();
      written();
      await held;
    });
    try {
      await wrote;
      const deleting = owner.transaction().execute(async (trx) => {
        await sql`set local lock_timeout = '200ms'`.execute(trx);
        await trx.deleteFrom('cloud_accounts').where('id', '=', t.cloudAccountId).execute();
      });
      await expect(deleting).rejects.toMatchObject({ code: '55P03' });
    } finally {
      release();
      await writing;
      await writer.destroy();
    }
    // Once the writer committed, deleting the account takes its lines.
    await owner.deleteFrom('cloud_accounts').where('id', '=', t.cloudAccountId).execute();
    const left = await owner.selectFrom('cost_data').select(sql<number>`count(*)::integer`.as('n')).where('organization_id', '=', t.organizationId).executeTakeFirstOrThrow();
    expect(left.n).toBe(0);
  });

  it('services cannot read a partition directly, only through cost_data', async () => {
    await expect(sql`select count(*) from cost_data_default`.execute(cost)).rejects.toThrow(/permission denied/);
  });

  it('costs_aggregates() returns this month, a 30th of it, and the change from last month', async () => {
    const { rows } = await sql<{ month: string; previous: string }>`
      select date_trunc('month', now())::date as month,
             (date_trunc('month', now()) - interval '1 month')::date as previous
    `.execute(cost);
    const { month, previous } = rows[0]!;
    const other = await seedTenant(owner, 'globex');
    const breakdown = [
      { t: tenant, month, service: 'AmazonEC2', amount: '1200.500000' },
      { t: tenant, month, service: 'AmazonS3', amount: '99.250000' },
      { t: tenant, month: previous, service: 'AmazonEC2', amount: '1000.000000' },
      { t: tenant, month: '2001-01-01', service: 'AmazonEC2', amount: '5000.000000' },
      { t: other, month, service: 'AmazonEC2', amount: '777.000000' },
    ];
    for (const { t, ...row } of breakdown) {
      await withTenant(cost, t.organizationId, (trx) =>
        trx
          .insertInto('costs_breakdown')
          .values({ organization_id: t.organizationId, provider: 'AWS', account_id: '123456789012', ...row })
          .execute(),
      );
    }

    const monthly = 1200.5 + 99.25;
    const expected = { monthly, daily: Number((monthly / 30).toFixed(6)), delta_pct: Number((((monthly - 1000) * 100) / 1000).toFixed(2)) };
    const aggregates = await withTenant(cost, tenant.organizationId, async (trx) => {
      const result = await sql<{ aggregates: CostsAggregates }>`select costs_aggregates() as aggregates`.execute(trx);
      return result.rows[0]!.aggregates;
    });
    expect(aggregates).toEqual(expected);

    // No previous month: no percentage (null), rather than a misleading 0.
    const otherAggregates = await withTenant(cost, other.organizationId, async (trx) => {
      const result = await sql<{ aggregates: CostsAggregates }>`select costs_aggregates() as aggregates`.execute(trx);
      return result.rows[0]!.aggregates;
    });
    expect(otherAggregates).toEqual({ monthly: 777, daily: 25.9, delta_pct: null });

    // Without a tenant there is nothing to aggregate.
    const none = await sql<{ aggregates: CostsAggregates }>`select costs_aggregates() as aggregates`.execute(cost);
    expect(none.rows[0]!.aggregates).toEqual({ daily: 0, monthly: 0, delta_pct: null });

    // date columns arrive as 'YYYY-MM-DD' text, never shifted by a time zone.
    const months = await withTenant(cost, tenant.organizationId, (trx) =>
      trx.selectFrom('costs_breakdown').select('month').distinct().orderBy('month').execute(),
    );
    expect(months.map((row) => row.month)).toEqual(['2001-01-01', previous, month]);
  });

  it('refuses a costs_breakdown month that is not the first day of a month', async () => {
    await expect(
      withTenant(cost, tenant.organizationId, (trx) =>
        trx
          .insertInto('costs_breakdown')
          .values({
            organization_id: tenant.organizationId,
            provider: 'AWS',
            account_id: '123456789012',
            service: 'AmazonRDS',
            month: '2001-01-15',
            amount: 1,
          })
          .execute(),
      ),
    ).rejects.toThrow(/costs_breakdown_month_is_first_day/);
  });

  it('set_updated_at moves updated_at forward on update', async () => {
    const before = await owner
      .selectFrom('resources')
      .select(['updated_at', 'created_at'])
      .where('id', '=', tenant.resourceId)
      .executeTakeFirstOrThrow();
    expect(before.updated_at).toBeInstanceOf(Date);
    await owner.updateTable('resources').set({ state: 'stopped' }).where('id', '=', tenant.resourceId).execute();
    const after = await owner
      .selectFrom('resources')
      .select(['updated_at', 'created_at'])
      .where('id', '=', tenant.resourceId)
      .executeTakeFirstOrThrow();
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
    expect(after.created_at).toEqual(before.created_at);
  });
});
