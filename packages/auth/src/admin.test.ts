import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { PERMISSION_NAMES } from '@stratus/db';
import { AppError } from '@stratus/http';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { bootstrapOrganization } from './bootstrap.ts';
import { DEFAULT_ROLE_PERMISSIONS } from './permissions.ts';
import { createApiToken, revokeApiToken } from './tokens.ts';
import { hashToken } from './token.ts';

describe('bootstrap and token administration against the real PostgreSQL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('seeds the whole permission catalogue', async () => {
    const rows = await database.owner.selectFrom('permissions').select(['name', 'resource_type', 'action_type']).execute();

    expect(rows.map((row) => row.name).sort()).toEqual([...PERMISSION_NAMES].sort());
    expect(rows).toContainEqual({ name: 'approvals:decide', resource_type: 'approvals', action_type: 'decide' });
  });

  it('creates the organisation, its role permissions, the admin and an admin token in one go', async () => {
    const result = await bootstrapOrganization(database.owner, {
      organizationName: 'Initech',
      adminEmail: '  Peter@Initech.TEST ',
      adminName: 'Peter',
    });

    expect(result.organization.name).toBe('Initech');
    expect(result.user).toMatchObject({ email: 'peter@initech.test', name: 'Peter' });
    expect(result.token).toMatchObject({ role: 'admin', expiresAt: null });
    expect(result.token.token).toMatch(/^stratus_[A-Za-z0-9_-]{43}$/);
    expect(result.token.prefix).toBe(result.token.token.slice(0, 12));

    const grants = await database.owner
      .selectFrom('role_permissions')
      .innerJoin('permissions', 'permissions.id', 'role_permissions.permission_id')
      .select(['role_permissions.role', 'permissions.name'])
      .where('role_permissions.organization_id', '=', result.organization.id)
      .execute();
    for (const role of ['admin', 'operator', 'viewer'] as const) {
      const names = grants.filter((grant) => grant.role === role).map((grant) => grant.name);
      expect(names.sort()).toEqual([...DEFAULT_ROLE_PERMISSIONS[role]].sort());
    }

    const stored = await database.owner
      .selectFrom('api_tokens')
      .select(['token_hash', 'token_prefix', 'user_id'])
      .where('id', '=', result.token.id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash.equals(hashToken(result.token.token))).toBe(true);
    expect(stored.user_id).toBe(result.user.id);
  });

  it('stores the plaintext token nowhere in the database', async () => {
    const { token } = await bootstrapOrganization(database.owner, { organizationName: 'Hooli', adminEmail: 'gavin@hooli.test' });
    // The part after the displayed prefix: the secret that must never be written down.
    const secret = token.token.slice(token.prefix.length);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
       where table_schema = 'public' and table_type = 'BASE TABLE'
    `.execute(database.owner);
    expect(tables.rows.length).toBeGreaterThan(10);

    const tablesContaining = async (text: string) => {
      const found: string[] = [];
      for (const { table_name } of tables.rows) {
        const { rows } = await sql<{ hits: number }>`
          select count(*)::int as hits from ${sql.table(table_name)} as t where t::text like ${`%${text}%`}
        `.execute(database.owner);
        if (rows[0]!.hits > 0) found.push(table_name);
      }
      return found;
    };

    expect(await tablesContaining(secret)).toEqual([]);
    // The search does find what is stored: the display prefix is in api_tokens.
    expect(await tablesContaining(token.prefix)).toEqual(['api_tokens']);
  });

  it('refuses a second user with the same email and leaves nothing behind', async () => {
    await bootstrapOrganization(database.owner, { organizationName: 'Umbrella', adminEmail: 'alice@umbrella.test' });
    const organizationsBefore = await database.owner.selectFrom('organizations').select('id').execute();

    const attempt = bootstrapOrganization(database.owner, { organizationName: 'Umbrella 2', adminEmail: 'ALICE@umbrella.test' });

    await expect(attempt).rejects.toThrow(AppError);
    await expect(attempt).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringContaining('a user with email alice@umbrella.test already exists'),
    });
    const organizationsAfter = await database.owner.selectFrom('organizations').select('id').execute();
    expect(organizationsAfter).toHaveLength(organizationsBefore.length);
  });

  it('refuses bad bootstrap input with every problem named', async () => {
    await expect(bootstrapOrganization(database.owner, { organizationName: ' ', adminEmail: 'not-an-email' })).rejects.toMatchObject({
      kind: 'invalid',
      message: 'organisation name must not be empty; not-an-email is not an email address',
    });
  });

  it('creates an expiring token for a member of the organisation only', async () => {
    const acme = await bootstrapOrganization(database.owner, { organizationName: 'Acme', adminEmail: 'wile@acme.test' });
    const other = await bootstrapOrganization(database.owner, { organizationName: 'Other', adminEmail: 'bob@other.test' });

    const issued = await createApiToken(database.owner, {
      organizationId: acme.organization.id,
      userId: acme.user.id,
      role: 'operator',
      name: 'ci',
      expiresInDays: 30,
    });
    const inThirtyDays = Date.now() + 30 * 24 * 3600 * 1000;
    expect(Math.abs(issued.expiresAt!.getTime() - inThirtyDays)).toBeLessThan(60_000);

    await expect(
      createApiToken(database.owner, { organizationId: acme.organization.id, userId: other.user.id, role: 'admin' }),
    ).rejects.toMatchObject({ kind: 'not_found' });
    await expect(
      createApiToken(database.owner, { organizationId: acme.organization.id, userId: acme.user.id, role: 'root' as 'admin' }),
    ).rejects.toMatchObject({ kind: 'invalid', message: 'role must be one of admin, operator, viewer' });
  });

  it('revokes a token once; revoking again keeps the first time', async () => {
    const { token } = await bootstrapOrganization(database.owner, { organizationName: 'Revokers', adminEmail: 'r@revokers.test' });

    const first = await revokeApiToken(database.owner, token.id);
    const second = await revokeApiToken(database.owner, token.id);

    expect(second.revokedAt.getTime()).toBe(first.revokedAt.getTime());
    await expect(revokeApiToken(database.owner, '0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d')).rejects.toMatchObject({
      kind: 'not_found',
    });
  });

  it('gives a service role no way to write tokens', async () => {
    const update = database.owner.transaction().execute(async (trx) => {
      await sql`set local role stratus_audit`.execute(trx);
      await sql`update api_tokens set revoked_at = null`.execute(trx);
    });

    await expect(update).rejects.toThrow(/permission denied for table api_tokens/);
  });
});
