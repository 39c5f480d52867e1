import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { createDb, teamAllows, teamRestricted, withTenant, type Database, type ServiceRole, type TeamAccessLevel } from '../src/index.ts';
import { seedTenant, type Tenant } from './seed-tenant.ts';

const RLS_REFUSAL = /new row violates row-level security policy/;

describe('team access by row-level security', () => {
  let database: TestDatabase;
  let owner: Kysely<Database>;
  const services = new Map<ServiceRole, Kysely<Database>>();
  let org: Tenant;
  /** A second account of the same organisation, granted to another team. */
  let other: { cloudAccountId: string; resourceId: string };
  const people: Record<'admin' | 'reader' | 'operator' | 'outsider', string> = { admin: '', reader: '', operator: '', outsider: '' };

  function as(role: ServiceRole): Kysely<Database> {
    const db = services.get(role) ?? createDb({ url: database.url, role, max: 2 });
    services.set(role, db);
    return db;
  }

  async function person(role: 'admin' | 'viewer' | 'operator', name: string): Promise<string> {
    const row = await owner
      .insertInto('users')
      .values({ organization_id: org.organizationId, email: `${name}-${randomUUID()}@example.com`, name, role })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function team(name: string, account: string, level: TeamAccessLevel, members: string[]): Promise<void> {
    const { id } = await owner.insertInto('teams').values({ organization_id: org.organizationId, name }).returning('id').executeTakeFirstOrThrow();
    await owner.insertInto('cloud_account_teams').values({ organization_id: org.organizationId, cloud_account_id: account, team_id: id, access_level: level }).execute();
    for (const user of members) await owner.insertInto('user_teams').values({ organization_id: org.organizationId, user_id: user, team_id: id, role: 'member' }).execute();
  }

  const accountsSeenBy = (userId: string | undefined) =>
    withTenant(as('stratus_cost'), org.organizationId, async (trx) => ({
      accounts: (await trx.selectFrom('cloud_accounts').select('id').orderBy('id').execute()).map((row) => row.id),
      resources: (await trx.selectFrom('resources').select('cloud_account_id').execute()).map((row) => row.cloud_account_id),
      cost_data: (await trx.selectFrom('cost_data').select('cloud_account_id').execute()).map((row) => row.cloud_account_id),
    }), userId === undefined ? {} : { userId });

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = createDb({ url: database.url, max: 2 });
    org = await seedTenant(owner, 'acme');
    const account = await owner
      .insertInto('cloud_accounts')
      .values({ organization_id: org.organizationId, name: 'acme staging', provider: 'AWS', account_id: '000000000002' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const resource = await owner
      .insertInto('resources')
      .values({ organization_id: org.organizationId, cloud_account_id: account.id, provider: 'AWS', provider_resource_id: `i-${randomUUID()}`, type: 'EC2' })
      .returning('id')
      .executeTakeFirstOrThrow();
    other = { cloudAccountId: account.id, resourceId: resource.id };
    for (const [cloudAccountId, resourceId] of [[org.cloudAccountId, org.resourceId], [other.cloudAccountId, other.resourceId]] as const) {
      await owner
        .insertInto('cost_data')
        .values({ organization_id: org.organizationId, cloud_account_id: cloudAccountId, resource_id: resourceId, provider: 'AWS', service: 'AmazonEC2', timestamp: new Date(), amount: '1', currency: 'USD', granularity: 'daily' })
        .execute();
    }
    people.admin = await person('admin', 'admin');
    people.reader = await person('viewer', 'reader');
    people.operator = await person('operator', 'operator');
    people.outsider = await person('operator', 'outsider');
    await team('platform', org.cloudAccountId, 'read', [people.reader]);
    await team('sre', org.cloudAccountId, 'operate', [people.operator]);
    await team('staging', other.cloudAccountId, 'admin', []);
  });

  afterAll(async () => {
    await Promise.all([...services.values(), owner].map((db) => db.destroy()));
    await database.drop();
  });

  it("shows a person who is not an admin only their teams' accounts and their rows; admins and work for nobody see all", async () => {
    const both = [org.cloudAccountId, other.cloudAccountId].sort();
    expect((await accountsSeenBy(undefined)).accounts).toEqual(both);
    expect((await accountsSeenBy(people.admin)).accounts).toEqual(both);
    expect(await accountsSeenBy(people.reader)).toEqual({ accounts: [org.cloudAccountId], resources: [org.cloudAccountId], cost_data: [org.cloudAccountId] });
    expect(await accountsSeenBy(people.outsider)).toEqual({ accounts: [], resources: [], cost_data: [] });
  });

  it('refuses a change below the grant: read cannot change a resource, operate can, admin is needed for the account', async () => {
    const retag = (userId: string) =>
      withTenant(as('stratus_ingestion'), org.organizationId, (trx) =>
        trx.updateTable('resources').set({ tags: JSON.stringify({ team: 'sre' }) }).where('id', '=', org.resourceId).returning('id').execute(),
      { userId });
    expect(await retag(people.reader)).toEqual([]);
    expect(await retag(people.operator)).toEqual([{ id: org.resourceId }]);
    const rename = (userId: string) =>
      withTenant(as('stratus_ingestion'), org.organizationId, (trx) =>
        trx.updateTable('cloud_accounts').set({ name: 'renamed' }).where('id', '=', org.cloudAccountId).returning('id').execute(),
      { userId });
    expect(await rename(people.operator)).toEqual([]);
    expect(await rename(people.admin)).toEqual([{ id: org.cloudAccountId }]);
    await expect(
      withTenant(as('stratus_ingestion'), org.organizationId, (trx) =>
        trx.insertInto('resources').values({ organization_id: org.organizationId, cloud_account_id: other.cloudAccountId, provider: 'AWS', provider_resource_id: `i-${randomUUID()}`, type: 'EC2' }).execute(),
      { userId: people.operator }),
    ).rejects.toThrow(RLS_REFUSAL);
  });

  it("answers teamAllows from the person's grants, and hides actions on resources of other accounts", async () => {
    const allows = (userId: string, account: string, level: TeamAccessLevel) =>
      withTenant(as('stratus_action_executor'), org.organizationId, (trx) => teamAllows(trx, account, level), { userId });
    expect(await allows(people.reader, org.cloudAccountId, 'read')).toBe(true);
    expect(await allows(people.reader, org.cloudAccountId, 'operate')).toBe(false);
    expect(await allows(people.operator, org.cloudAccountId, 'operate')).toBe(true);
    expect(await allows(people.operator, other.cloudAccountId, 'read')).toBe(false);
    expect(await allows(people.admin, other.cloudAccountId, 'admin')).toBe(true);

    await owner.insertInto('actions').values({ organization_id: org.organizationId, action_type: 'stop', resource_id: other.resourceId }).execute();
    const actions = (userId: string) =>
      withTenant(as('stratus_action_executor'), org.organizationId, (trx) => trx.selectFrom('actions').select('resource_id').execute(), { userId });
    expect(await actions(people.operator)).toEqual([]);
    expect(await actions(people.admin)).toEqual([{ resource_id: other.resourceId }]);
  });

  it('lets only unrestricted sessions change organisation-wide automation', async () => {
    const rule = (userId?: string) =>
      withTenant(as('stratus_action_executor'), org.organizationId, (trx) =>
        trx.insertInto('automation_rules').values({ organization_id: org.organizationId, name: `rule ${randomUUID()}`, match: 'env=dev', action: 'stop', cron: '0 * * * *' }).execute(),
      userId === undefined ? {} : { userId });
    await expect(rule(people.operator)).rejects.toThrow(RLS_REFUSAL);
    await rule(people.admin);
    await rule();
  });

  it('shows organisation-wide reports, unassigned cost and billing imports only to unrestricted sessions, who alone change the import setting', async () => {
    const organization_id = org.organizationId;
    const report = await owner.insertInto('reports').values({ organization_id, name: 'monthly', report_type: 'showback', cron: '0 6 1 * *', notification_channels: '[]' }).returning('id').executeTakeFirstOrThrow();
    await owner.insertInto('report_runs').values({ organization_id, report_id: report.id, trigger: 'manual', job_key: randomUUID() }).execute();
    const billing = await owner.insertInto('billing_imports').values({ organization_id, file_name: 'focus.csv', unlinked_sub_accounts: 'unassigned' }).returning('id').executeTakeFirstOrThrow();
    await owner
      .insertInto('unassigned_costs')
      .values({ organization_id, billing_import_id: billing.id, provider: 'AWS', sub_account_id: '999999999999', charge_date: '2026-11-01', service_name: 'AmazonEC2', charge_category: 'Usage', currency: 'USD', rows: 1, billed_cost: '1', effective_cost: '1', list_cost: '1' })
      .execute();
    const seen = (userId?: string) =>
      withTenant(as('stratus_cost'), organization_id, async (trx) => ({
        reports: (await trx.selectFrom('reports').select('id').execute()).length,
        report_runs: (await trx.selectFrom('report_runs').select('id').execute()).length,
        unassigned_costs: (await trx.selectFrom('unassigned_costs').select('id').execute()).length,
        billing_imports: (await trx.selectFrom('billing_imports').select('id').execute()).length,
        restricted: await teamRestricted(trx),
      }), userId === undefined ? {} : { userId });
    const all = { reports: 1, report_runs: 1, unassigned_costs: 1, billing_imports: 1, restricted: false };
    expect(await seen()).toEqual(all);
    expect(await seen(people.admin)).toEqual(all);
    expect(await seen(people.reader)).toEqual({ reports: 0, report_runs: 0, unassigned_costs: 0, billing_imports: 0, restricted: true });

    const setting = (userId?: string) =>
      withTenant(as('stratus_ingestion'), organization_id, (trx) =>
        trx.insertInto('cost_import_settings').values({ organization_id, unlinked_sub_accounts: 'refuse' })
          .onConflict((conflict) => conflict.column('organization_id').doUpdateSet({ unlinked_sub_accounts: 'refuse' })).execute(),
      userId === undefined ? {} : { userId });
    await expect(setting(people.operator)).rejects.toThrow(RLS_REFUSAL);
    await setting(people.admin);
  });

  it("keeps a nested withTenant without a user on the outer request's person", async () => {
    const seen = await withTenant(as('stratus_cost'), org.organizationId, (trx) =>
      withTenant(trx, org.organizationId, (inner) => inner.selectFrom('cloud_accounts').select('id').execute()),
    { userId: people.reader });
    expect(seen).toEqual([{ id: org.cloudAccountId }]);
  });
});
