import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { SERVICE_GROUP_ROLE, SERVICE_ROLES, TABLES, TABLE_ACCESS, createDb, withTenant, type Database, type ServiceRole } from '../src/index.ts';
import { seedTenant, type Tenant } from './seed-tenant.ts';

/** The roles that read cloud credentials: the one that stores them, and the one that acts on the provider with them. */
const CREDENTIAL_READERS: ServiceRole[] = ['stratus_ingestion', 'stratus_action_executor'];

const secret = JSON.stringify({ alg: 'A256GCM', kid: 'k1', iv: 'aXY=', tag: 'dGFn', wrapped_key: 'a2V5', ciphertext: 'Y3Q=' });

describe('grants and append-only tables', () => {
  let database: TestDatabase;
  let owner: Kysely<Database>;
  const services = new Map<ServiceRole, Kysely<Database>>();
  let tenant: Tenant;

  function as(role: ServiceRole): Kysely<Database> {
    const db = services.get(role) ?? createDb({ url: database.url, role, max: 2 });
    services.set(role, db);
    return db;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = createDb({ url: database.url, max: 2 });
    tenant = await seedTenant(owner, 'acme');
  });
  afterAll(async () => {
    await Promise.all([...services.values(), owner].map((db) => db.destroy()));
    await database.drop();
  });

  it('createDb runs every connection as the given role', async () => {
    const { rows } = await sql<{ current_user: string; session_user: string }>`select current_user, session_user`.execute(
      as('stratus_cost'),
    );
    expect(rows[0]).toEqual({ current_user: 'stratus_cost', session_user: 'postgres' });
  });

  it('each service has on every table exactly the privileges of the table registry', async () => {
    const { rows } = await sql<{ role: string; table: string; privilege: string }>`
      select r.role, t.table, p.privilege
        from unnest(${Object.values(SERVICE_ROLES)}::text[]) r(role)
        cross join unnest(${TABLES}::text[]) t("table")
        cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p(privilege)
       where has_table_privilege(r.role, t.table, p.privilege)
    `.execute(owner);
    const actual = new Set(rows.map((row) => `${row.role} ${row.privilege} ${row.table}`));
    const expected = new Set<string>();
    for (const role of Object.values(SERVICE_ROLES)) {
      for (const table of TABLES) {
        const { readers, writers } = TABLE_ACCESS[table];
        if (readers === 'every service' || readers.includes(role)) expected.add(`${role} SELECT ${table}`);
        for (const privilege of [...(writers[role] ?? []), ...(writers[SERVICE_GROUP_ROLE] ?? [])]) expected.add(`${role} ${privilege} ${table}`);
      }
    }
    expect([...actual].sort()).toEqual([...expected].sort());
  });

  it('cloud_credentials: cost, recommendation, audit, console and the stratus_service group are refused; ingestion and the action executor read their own tenant only', async () => {
    const other = await seedTenant(owner, 'globex');
    for (const t of [tenant, other]) {
      await owner
        .insertInto('cloud_credentials')
        .values({ organization_id: t.organizationId, cloud_account_id: t.cloudAccountId, provider: 'AWS', secret, key_id: 'k1' })
        .execute();
    }

    const refused = Object.values(SERVICE_ROLES).filter((role) => !CREDENTIAL_READERS.includes(role));
    expect(refused.sort()).toEqual(['stratus_audit', 'stratus_console', 'stratus_cost', 'stratus_recommendation']);
    for (const role of refused) {
      await expect(
        withTenant(as(role), tenant.organizationId, (trx) => trx.selectFrom('cloud_credentials').selectAll().execute()),
      ).rejects.toThrow(/permission denied for table cloud_credentials/);
    }
    // The group every service role belongs to: a grant to it would reach them all.
    const group = createDb({ url: database.url, role: SERVICE_GROUP_ROLE, max: 1 });
    try {
      await expect(
        withTenant(group, tenant.organizationId, (trx) => trx.selectFrom('cloud_credentials').selectAll().execute()),
      ).rejects.toThrow(/permission denied for table cloud_credentials/);
    } finally {
      await group.destroy();
    }

    for (const role of CREDENTIAL_READERS) {
      const visible = await withTenant(as(role), tenant.organizationId, (trx) =>
        trx.selectFrom('cloud_credentials').select(['cloud_account_id', 'secret']).execute(),
      );
      expect(visible).toEqual([{ cloud_account_id: tenant.cloudAccountId, secret: JSON.parse(secret) }]);
    }
    // Reading is all the action executor may do with them.
    await expect(
      withTenant(as('stratus_action_executor'), tenant.organizationId, (trx) =>
        trx.updateTable('cloud_credentials').set({ key_id: 'k2' }).where('cloud_account_id', '=', tenant.cloudAccountId).execute(),
      ),
    ).rejects.toThrow(/permission denied for table cloud_credentials/);
  });

  it('cloud_credentials refuses a secret that is not an encrypted envelope', async () => {
    const other = await seedTenant(owner, 'initech');
    await expect(
      owner
        .insertInto('cloud_credentials')
        .values({
          organization_id: other.organizationId,
          cloud_account_id: other.cloudAccountId,
          provider: 'AWS',
          secret: JSON.stringify({ access_key_id: 'AKIA...', secret_access_key: 'plaintext' }),
          key_id: 'k1',
        })
        .execute(),
    ).rejects.toThrow(/cloud_credentials_secret_is_envelope/);
  });

  describe('activity_log and audit_logs', () => {
    let activityId: string;
    let auditId: string;

    beforeAll(async () => {
      [activityId, auditId] = await withTenant(as('stratus_audit'), tenant.organizationId, async (trx) => {
        const activity = await trx
          .insertInto('activity_log')
          .values({ organization_id: tenant.organizationId, actor: tenant.userId, type: 'link_account', summary: 'linked' })
          .returning('id')
          .executeTakeFirstOrThrow();
        const audit = await trx
          .insertInto('audit_logs')
          .values({ organization_id: tenant.organizationId, action: 'cloud_account.linked', event_id: randomUUID() })
          .returning('id')
          .executeTakeFirstOrThrow();
        return [activity.id, audit.id];
      });
    });

    it('a service role can neither update nor delete them', async () => {
      const audit = as('stratus_audit');
      const attempts: ((trx: Kysely<Database>) => Promise<unknown>)[] = [
        (trx: Kysely<Database>) => trx.updateTable('activity_log').set({ summary: 'edited' }).where('id', '=', activityId).execute(),
        (trx: Kysely<Database>) => trx.deleteFrom('activity_log').where('id', '=', activityId).execute(),
        (trx: Kysely<Database>) => trx.updateTable('audit_logs').set({ action: 'edited' }).where('id', '=', auditId).execute(),
        (trx: Kysely<Database>) => trx.deleteFrom('audit_logs').where('id', '=', auditId).execute(),
      ];
      for (const attempt of attempts) {
        await expect(withTenant(audit, tenant.organizationId, attempt)).rejects.toThrow(/permission denied for table (activity_log|audit_logs)/);
      }
    });

    it('even the owner cannot update, delete or truncate them', async () => {
      await expect(owner.updateTable('activity_log').set({ summary: 'edited' }).where('id', '=', activityId).execute()).rejects.toThrow(
        /activity_log is append-only: UPDATE is not allowed/,
      );
      await expect(owner.deleteFrom('audit_logs').where('id', '=', auditId).execute()).rejects.toThrow(
        /audit_logs is append-only: DELETE is not allowed/,
      );
      await expect(sql`truncate audit_logs`.execute(owner)).rejects.toThrow(/audit_logs is append-only: TRUNCATE is not allowed/);
      const count = await owner.selectFrom('audit_logs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      expect(count.n).toBe('1');
    });

    it('erasing a whole organisation takes its audit trail with it', async () => {
      await owner.deleteFrom('organizations').where('id', '=', tenant.organizationId).execute();
      const left = await owner
        .selectFrom('audit_logs')
        .select('id')
        .where('organization_id', '=', tenant.organizationId)
        .unionAll(owner.selectFrom('activity_log').select('id').where('organization_id', '=', tenant.organizationId))
        .execute();
      expect(left).toEqual([]);
    });
  });
});
