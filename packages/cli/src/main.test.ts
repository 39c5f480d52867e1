import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { authPlugin } from '@stratus/auth';
import { sql } from 'kysely';
import { createDb, migrateDownAll } from '@stratus/db';
import { buildServer, type StratusServer } from '@stratus/http';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { stratus } from '../test/run-cli.ts';

function field(output: string, label: string): string {
  const value = new RegExp(`^${label}:\\s+(\\S+)`, 'm').exec(output)?.[1];
  if (!value) throw new Error(`no "${label}" in output:\n${output}`);
  return value;
}

describe('the stratus CLI against the real PostgreSQL', () => {
  let database: TestDatabase;
  let env: { DATABASE_URL: string };
  let app: StratusServer;
  let serviceDb: ReturnType<typeof createDb>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url };
    serviceDb = createDb({ url: database.url, role: 'stratus_cost', max: 2 });
    app = buildServer({ logger: pino({ level: 'silent' }), service: 'test', version: '0.0.0' });
    // No identity cache, so a revocation shows on the next request.
    await app.register(authPlugin, { db: serviceDb, cacheTtlMs: 0 });
    await app.register(async (routes) => {
      routes.get('/whoami', { config: { permission: 'tokens:read' } }, async (request) => ({
        organization_id: request.auth.organizationId,
        user_id: request.auth.userId,
        role: request.auth.role,
      }));
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await serviceDb?.destroy();
    await database?.drop();
  });

  function whoami(token: string) {
    return app.inject({ method: 'GET', url: '/whoami', headers: { authorization: `Bearer ${token}` } });
  }

  it('migrates an empty database, printing each migration, then finds nothing to do', async () => {
    const empty = await createTestDatabase();
    try {
      await migrateDownAll(empty.owner);

      const first = await stratus(['migrate'], { DATABASE_URL: empty.url });
      const second = await stratus(['migrate'], { DATABASE_URL: empty.url });

      expect(first.code).toBe(0);
      expect(first.stdout).toContain('migration applied: 1763856000000-Foundation');
      expect(first.stdout).toContain('migration applied: 1763856000002-ApiTokens');
      expect(second.stdout).toContain('database already up to date');
    } finally {
      await empty.drop();
    }
  });

  it('bootstraps an organisation whose printed token authenticates through the auth plugin', async () => {
    const run = await stratus(['bootstrap', '--org', 'Acme', '--email', 'ops@acme.test', '--name', 'Ops'], env);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cannot be shown again');
    const response = await whoami(field(run.stdout, 'admin token'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      organization_id: field(run.stdout, 'organization id'),
      user_id: field(run.stdout, 'admin user id'),
      role: 'admin',
    });
  });

  it('bootstraps repeatably into a token file: keeps a working token, replaces a stale one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stratus-cli-'));
    const tokenFile = join(dir, 'token');
    const args = ['bootstrap', '--org', 'Demo', '--email', 'demo@initech.test', '--token-file', tokenFile, '--existing-ok'];
    try {
      const first = await stratus(args, env);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`written to ${tokenFile}`);
      const token = (await readFile(tokenFile, 'utf8')).trim();
      expect(first.stdout).not.toContain(token);
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      expect((await whoami(token)).statusCode).toBe(200);

      const again = await stratus(args, env);
      expect(again.stdout).toContain('still works');
      expect((await readFile(tokenFile, 'utf8')).trim()).toBe(token);

      await rm(tokenFile);
      const reissued = await stratus(args, env);
      const replacement = (await readFile(tokenFile, 'utf8')).trim();
      expect(reissued.code).toBe(0);
      expect(replacement).not.toBe(token);
      expect((await whoami(replacement)).json()).toMatchObject({ user_id: (await whoami(token)).json().user_id });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('db create makes the database of DATABASE_URL once', async () => {
    const url = new URL(database.url);
    url.pathname = `/${database.name}_created`;
    try {
      const first = await stratus(['db', 'create'], { DATABASE_URL: url.toString() });
      const second = await stratus(['db', 'create'], { DATABASE_URL: url.toString() });
      expect(first.stdout).toContain(`database ${database.name}_created created`);
      expect(second.stdout).toContain('already exists');
    } finally {
      const admin = createDb({ url: database.url, max: 1 });
      await sql`drop database if exists ${sql.id(`${database.name}_created`)}`.execute(admin);
      await admin.destroy();
    }
  });

  it('creates a token for a user and revokes it', async () => {
    const bootstrap = await stratus(['bootstrap', '--org', 'Globex', '--email', 'hank@globex.test'], env);
    const org = field(bootstrap.stdout, 'organization id');
    const user = field(bootstrap.stdout, 'admin user id');

    const created = await stratus(
      ['token', 'create', '--org', org, '--user', user, '--role', 'viewer', '--name', 'dashboard', '--expires-in-days', '7'],
      env,
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('role viewer, expires ');
    const token = field(created.stdout, 'token');
    // A viewer may not list tokens: authenticated, then refused.
    expect((await whoami(token)).statusCode).toBe(403);

    const admin = await stratus(['token', 'create', '--org', org, '--user', user, '--role', 'admin'], env);
    const adminToken = field(admin.stdout, 'token');
    expect((await whoami(adminToken)).statusCode).toBe(200);

    const revoked = await stratus(['token', 'revoke', field(admin.stdout, 'token id')], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/^token \S+ revoked at /);
    expect((await whoami(adminToken)).statusCode).toBe(401);
  });

  it.each([
    [['bootstrap', '--email', 'a@b.test'], /required option '--org <name>' not specified/],
    [['bootstrap', '--org', 'X', '--email', 'not-an-email'], /not-an-email is not an email address/],
    [['bootstrap', '--org', 'X', '--email', 'ops@acme.test'], /a user with email ops@acme\.test already exists/],
    [['token', 'create', '--org', 'x', '--user', 'y', '--role', 'root'], /argument 'root' is invalid\. Allowed choices are admin, operator, viewer/],
    [['token', 'create', '--org', 'x', '--user', 'y', '--role', 'admin', '--expires-in-days', '0'], /give a positive whole number of days/],
    [['token', 'create', '--org', 'x', '--user', 'y', '--role', 'admin'], /organization id must be a UUID; user id must be a UUID/],
    [['token', 'revoke', '0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d'], /no API token 0190b6c8/],
    [['tokens'], /unknown command 'tokens'/],
  ])('exits 2 with a clear error for bad input: %j', async (args, message) => {
    const run = await stratus(args, env);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('exits 2 naming DATABASE_URL and an example when it is missing', async () => {
    const run = await stratus(['migrate'], {});

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DATABASE_URL is not set: must be a postgres:// URL (e.g. postgres://');
  });

  it('exits 1 and says to migrate when the database has no schema', async () => {
    const empty = await createTestDatabase();
    try {
      await migrateDownAll(empty.owner);

      const run = await stratus(['bootstrap', '--org', 'X', '--email', 'x@x.test'], { DATABASE_URL: empty.url });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('the database is not migrated, run `stratus migrate` first');
    } finally {
      await empty.drop();
    }
  });

  it('prints help for every command', async () => {
    for (const args of [['--help'], ['db', 'create', '--help'], ['migrate', '--help'], ['bootstrap', '--help'], ['token', 'create', '--help'], ['token', 'revoke', '--help']]) {
      const run = await stratus(args, env);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: stratus/);
    }
  });
});
