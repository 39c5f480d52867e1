import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { SERVICE_ROLES, createDb, type Database, type OperationStatus, type ServiceRole } from '../src/index.ts';
import { seedTenant, type Tenant } from './seed-tenant.ts';

/** The reconciler's lists (1763856000020-DurableWork): unfinished rows of every organisation, page by page. */
describe('lists of unfinished durable work', () => {
  let database: TestDatabase;
  let owner: Kysely<Database>;
  let tenants: Tenant[];
  const roles = new Map<ServiceRole, Kysely<Database>>();

  function as(role: ServiceRole): Kysely<Database> {
    const db = roles.get(role) ?? createDb({ url: database.url, role, max: 1 });
    roles.set(role, db);
    return db;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = createDb({ url: database.url, max: 2 });
    tenants = [await seedTenant(owner, 'acme'), await seedTenant(owner, 'globex')];
  });
  afterAll(async () => {
    await Promise.all([...roles.values(), owner].map((db) => db.destroy()));
    await database.drop();
  });

  /** Every page of the function's rows, `size` at a time, as the reconciler reads them. */
  async function readAll(db: Kysely<Database>, fn: 'stratus_unfinished_operations' | 'stratus_unfinished_notification_deliveries', size: number) {
    const all: { id: string; organization_id: string }[] = [];
    let after: string | null = null;
    for (;;) {
      const { rows } = await sql<{ id: string; organization_id: string }>`select * from ${sql.id(fn)}(${after}::uuid, ${size})`.execute(db);
      all.push(...rows);
      if (rows.length < size) return all;
      after = rows[rows.length - 1]!.id;
    }
  }

  it('operations: the queued and running ones of every organisation, for the action executor only', async () => {
    const statuses: OperationStatus[] = ['queued', 'running', 'success', 'error', 'cancelled'];
    const unfinished: string[] = [];
    for (const tenant of tenants) {
      for (const status of statuses) {
        const { id } = await owner
          .insertInto('operations')
          .values({ organization_id: tenant.organizationId, resource_id: tenant.resourceId, operation: 'stop', status })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (status === 'queued' || status === 'running') unfinished.push(id);
      }
    }

    const rows = await readAll(as('stratus_action_executor'), 'stratus_unfinished_operations', 3);
    expect(rows.map((row) => row.id)).toEqual([...unfinished].sort());
    expect(new Set(rows.map((row) => row.organization_id))).toEqual(new Set(tenants.map((tenant) => tenant.organizationId)));

    for (const role of Object.values(SERVICE_ROLES).filter((role) => role !== 'stratus_action_executor')) {
      await expect(readAll(as(role), 'stratus_unfinished_operations', 3)).rejects.toThrow(/permission denied for function stratus_unfinished_operations/);
    }
  });

  it('notification deliveries: the pending ones of every organisation, for the audit service only', async () => {
    const pending: string[] = [];
    for (const tenant of tenants) {
      const notification = await owner
        .insertInto('notifications')
        .values({ organization_id: tenant.organizationId, type: 'budget_alert', title: 'Budget', message: 'reached 80%' })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const [index, status] of (['pending', 'delivered', 'failed', 'pending'] as const).entries()) {
        const { id } = await owner
          .insertInto('notification_deliveries')
          .values({
            organization_id: tenant.organizationId,
            notification_id: notification.id,
            event_id: crypto.randomUUID(),
            channel_key: `webhook-${index}`,
            channel: JSON.stringify({ type: 'webhook', url: 'https://hooks.example.test/' }),
            payload: JSON.stringify({}),
            status,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (status === 'pending') pending.push(id);
      }
    }

    const rows = await readAll(as('stratus_audit'), 'stratus_unfinished_notification_deliveries', 2);
    expect(rows.map((row) => row.id)).toEqual([...pending].sort());
    expect(rows[0]).toEqual({ id: expect.any(String), organization_id: expect.any(String), event_id: expect.any(String), channel_key: expect.stringMatching(/^webhook-/) });

    await expect(readAll(as('stratus_cost'), 'stratus_unfinished_notification_deliveries', 2)).rejects.toThrow(/permission denied for function/);
  });
});
