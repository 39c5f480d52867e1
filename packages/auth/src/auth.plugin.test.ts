import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import { createDb, type Database } from '@stratus/db';
import { buildServer, healthPlugin, type StratusServer } from '@stratus/http';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { authPlugin } from './auth.plugin.ts';
import { bootstrapOrganization, type BootstrapResult } from './bootstrap.ts';
import { createApiToken, revokeApiToken } from './tokens.ts';
import { generateToken } from './token.ts';

describe('authPlugin against the real PostgreSQL', () => {
  let database: TestDatabase;
  let serviceDb: Kysely<Database>;
  let acme: BootstrapResult;
  let globex: BootstrapResult;
  let viewerToken: string;
  let viewerUserId: string;

  async function buildApp(options: { cacheTtlMs?: number } = {}): Promise<StratusServer> {
    const app = buildServer({ logger: pino({ level: 'silent' }), service: 'test', version: '0.0.0' });
    await app.register(healthPlugin, { checks: {} });
    await app.register(authPlugin, { db: serviceDb, ...options });
    await app.register(async (routes) => {
      routes.get(
        '/users',
        { config: { permission: 'resources:read' }, schema: { response: { 200: z.array(z.string()) } } },
        async (request) => {
          const users = await request.withTenant((trx) => trx.selectFrom('users').select('email').orderBy('email').execute());
          return users.map((user) => user.email);
        },
      );
      routes.post('/activity', { config: { permission: 'resources:write' } }, async (request, reply) => {
        await request.withTenant((trx) =>
          trx.insertInto('activity_log').values({ organization_id: request.auth.organizationId, type: 'test', summary: 'written' }).execute(),
        );
        return reply.status(201).send();
      });
      routes.post('/resources', { config: { permission: 'resources:write' } }, async (request) => ({
        organization_id: request.auth.organizationId,
        role: request.auth.role,
      }));
    });
    await app.ready();
    return app;
  }

  function get(app: StratusServer, url: string, token?: string) {
    return app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    // As a service runs: its own role, so row-level security applies although the login is a superuser.
    serviceDb = createDb({ url: database.url, role: 'stratus_audit', max: 2 });
    acme = await bootstrapOrganization(database.owner, { organizationName: 'Acme', adminEmail: 'admin@acme.test' });
    globex = await bootstrapOrganization(database.owner, { organizationName: 'Globex', adminEmail: 'admin@globex.test' });
    const viewer = await database.owner
      .insertInto('users')
      .values({ organization_id: acme.organization.id, email: 'viewer@acme.test', name: 'Viewer' })
      .returning('id')
      .executeTakeFirstOrThrow();
    viewerUserId = viewer.id;
    viewerToken = (await createApiToken(database.owner, { organizationId: acme.organization.id, userId: viewer.id, role: 'viewer' })).token;
  });

  afterAll(async () => {
    await serviceDb?.destroy();
    await database?.drop();
  });

  it('answers 401 with a Bearer challenge when no token is sent', async () => {
    const app = await buildApp();

    const response = await get(app, '/users');

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toEqual({
      error: 'unauthorized',
      message: 'missing bearer token: send the header "Authorization: Bearer <token>"',
    });
    await app.close();
  });

  it.each([
    ['a non-Bearer scheme', 'Basic YWRtaW46YWRtaW4=', 'malformed Authorization header'],
    ['garbage', 'Bearer hello', 'invalid token'],
    ['a well-formed token nobody issued', `Bearer ${generateToken().token}`, 'invalid token'],
  ])('answers 401 for %s', async (_, authorization, message) => {
    const app = await buildApp();

    const response = await app.inject({ method: 'GET', url: '/users', headers: { authorization } });

    expect(response.statusCode).toBe(401);
    expect(response.json().message).toContain(message);
    await app.close();
  });

  it('answers 401 for a revoked token', async () => {
    const issued = await createApiToken(database.owner, { organizationId: acme.organization.id, userId: acme.user.id, role: 'admin' });
    await revokeApiToken(database.owner, issued.id);
    const app = await buildApp();

    expect((await get(app, '/users', issued.token)).statusCode).toBe(401);
    await app.close();
  });

  it('answers 401 for an expired token', async () => {
    const issued = await createApiToken(database.owner, { organizationId: acme.organization.id, userId: acme.user.id, role: 'admin' });
    await database.owner.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', issued.id).execute();
    const app = await buildApp();

    expect((await get(app, '/users', issued.token)).statusCode).toBe(401);
    await app.close();
  });

  it('answers 401 for the token of a disabled user', async () => {
    const user = await database.owner
      .insertInto('users')
      .values({ organization_id: acme.organization.id, email: 'leaver@acme.test', name: 'Leaver', status: 'disabled' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const issued = await createApiToken(database.owner, { organizationId: acme.organization.id, userId: user.id, role: 'admin' });
    const app = await buildApp();

    expect((await get(app, '/users', issued.token)).statusCode).toBe(401);
    await app.close();
  });

  it('answers 403 naming the role and the permission it lacks', async () => {
    const app = await buildApp();

    const response = await app.inject({ method: 'POST', url: '/resources', headers: { authorization: `Bearer ${viewerToken}` } });

    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: 'forbidden', message: 'role viewer lacks permission resources:write' });
    expect((await get(app, '/users', viewerToken)).statusCode).toBe(200);
    await app.close();
  });

  it('lets an admin through, with its identity on the request', async () => {
    const app = await buildApp();

    const response = await app.inject({ method: 'POST', url: '/resources', headers: { authorization: `Bearer ${acme.token.token}` } });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ organization_id: acme.organization.id, role: 'admin' });
    await app.close();
  });

  it('runs request.withTenant under the caller\'s organisation only', async () => {
    const app = await buildApp();

    const acmeUsers = await get(app, '/users', acme.token.token);
    const globexUsers = await get(app, '/users', globex.token.token);

    expect(acmeUsers.json()).toEqual(['admin@acme.test', 'leaver@acme.test', 'viewer@acme.test']);
    expect(globexUsers.json()).toEqual(['admin@globex.test']);
    await app.close();
  });

  it('records when a token was last used', async () => {
    const app = await buildApp();
    await database.owner.updateTable('api_tokens').set({ last_used_at: null }).where('user_id', '=', viewerUserId).execute();

    await get(app, '/users', viewerToken);

    const row = await database.owner
      .selectFrom('api_tokens')
      .select('last_used_at')
      .where('user_id', '=', viewerUserId)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at).toBeInstanceOf(Date);
    await app.close();
  });

  it('trusts a resolved token for the cache TTL, then sees its revocation', async () => {
    const issued = await createApiToken(database.owner, { organizationId: acme.organization.id, userId: acme.user.id, role: 'viewer' });
    const cached = await buildApp({ cacheTtlMs: 60_000 });
    const uncached = await buildApp({ cacheTtlMs: 0 });
    expect((await get(cached, '/users', issued.token)).statusCode).toBe(200);
    expect((await get(uncached, '/users', issued.token)).statusCode).toBe(200);

    await revokeApiToken(database.owner, issued.id);

    // The warm entry answers without asking the database: the documented revocation delay.
    expect((await get(cached, '/users', issued.token)).statusCode).toBe(200);
    expect((await get(uncached, '/users', issued.token)).statusCode).toBe(401);
    await cached.close();
    await uncached.close();
  });

  it('checks the token again on writes: a revoked token or a deleted organisation is a 401 at once, cache or not', async () => {
    const doomed = await bootstrapOrganization(database.owner, { organizationName: 'Doomed', adminEmail: 'admin@doomed.test' });
    const revoked = await createApiToken(database.owner, { organizationId: acme.organization.id, userId: acme.user.id, role: 'admin' });
    const app = await buildApp({ cacheTtlMs: 60_000 });
    const write = (token: string) => app.inject({ method: 'POST', url: '/activity', headers: { authorization: `Bearer ${token}` } });
    expect((await write(doomed.token.token)).statusCode).toBe(201);
    expect((await write(revoked.token)).statusCode).toBe(201);

    await database.owner.deleteFrom('organizations').where('id', '=', doomed.organization.id).execute();
    await revokeApiToken(database.owner, revoked.id);

    // Both identities are still cached: reads keep the documented delay, writes do not.
    expect((await get(app, '/users', revoked.token)).statusCode).toBe(200);
    for (const token of [doomed.token.token, revoked.token]) {
      const response = await write(token);
      expect(response.statusCode).toBe(401);
      expect(response.json().message).toBe('invalid token: unknown, expired or revoked');
    }
    // The failed check evicted the entry: reads see the revocation too.
    expect((await get(app, '/users', revoked.token)).statusCode).toBe(401);
    await app.close();
  });

  it('leaves health probes and API docs open', async () => {
    const app = await buildApp();

    expect((await get(app, '/healthz')).statusCode).toBe(200);
    expect((await get(app, '/readyz')).statusCode).toBe(200);
    expect((await get(app, '/docs/json')).statusCode).toBe(200);
    await app.close();
  });

  it('answers 503 when the database cannot be asked about a token', async () => {
    const unreachable = createDb({ url: 'postgres://postgres@127.0.0.1:1/stratus', role: 'stratus_audit', max: 1 });
    const app = buildServer({ logger: pino({ level: 'silent' }), service: 'test', version: '0.0.0' });
    await app.register(authPlugin, { db: unreachable });
    await app.register(async (routes) => {
      routes.get('/users', { config: { permission: 'resources:read' } }, async () => []);
    });

    const response = await get(app, '/users', acme.token.token);

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ error: 'unavailable', message: 'service temporarily unavailable, retry later' });
    await app.close();
    await unreachable.destroy();
  });

  it('asks for a token before saying a route does not exist', async () => {
    const app = await buildApp();

    expect((await get(app, '/nowhere')).statusCode).toBe(401);
    expect((await get(app, '/nowhere', acme.token.token)).statusCode).toBe(404);
    await app.close();
  });

  it('refuses to register a route that declares neither a permission nor public', async () => {
    const app = buildServer({ logger: pino({ level: 'silent' }), service: 'test', version: '0.0.0' });
    await app.register(authPlugin, { db: serviceDb });

    expect(() => app.get('/open', async () => 'oops')).toThrow(
      'route GET /open declares neither config.permission nor config.public: every route must say who may call it',
    );
    await app.close();
  });

  it("gives a scope's permission to the routes a plugin registers in it without one", async () => {
    const app = buildServer({ logger: pino({ level: 'silent' }), service: 'test', version: '0.0.0' });
    await app.register(authPlugin, { db: serviceDb });
    await app.register(async (scope) => {
      scope.scopePermission = 'tokens:read';
      // As a third-party plugin would: no config at all.
      await scope.register(async (plugin) => {
        plugin.get('/dashboard', async () => 'board');
      });
      scope.get('/own', { config: { permission: 'resources:read' } }, async () => 'own');
    });
    // The scope's permission stays in the scope.
    expect(() => app.get('/outside', async () => 'oops')).toThrow('declares neither config.permission nor config.public');
    await app.ready();

    expect((await get(app, '/dashboard')).statusCode).toBe(401);
    // A viewer reads resources but not tokens.
    expect((await get(app, '/dashboard', viewerToken)).statusCode).toBe(403);
    expect((await get(app, '/dashboard', acme.token.token)).body).toBe('board');
    expect((await get(app, '/own', viewerToken)).statusCode).toBe(200);
    await app.close();
  });

  it('refuses to register a route that requires a permission outside the catalogue', async () => {
    const app = buildServer({ logger: pino({ level: 'silent' }), service: 'test', version: '0.0.0' });
    await app.register(authPlugin, { db: serviceDb });

    expect(() =>
      // @ts-expect-error permissions are typed against the catalogue; this checks the runtime guard too
      app.get('/typo', { config: { permission: 'resource:read' } }, async () => 'oops'),
    ).toThrow('route GET /typo requires unknown permission resource:read');
    await app.close();
  });
});
