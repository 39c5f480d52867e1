import { afterAll, beforeAll, expect, it } from 'vitest';
import { authenticate, hashToken } from '@stratus/auth';
import { generateKey } from '@stratus/vault';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';
import { addUser, Browser, setPassword } from '../../../test/browser.ts';

const PASSWORD = 'correct horse battery staple';
let app: TestApp<typeof env>;
let admin: Browser;

beforeAll(async () => {
  app = await startTestApp(service, { overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}` } });
  await setPassword(app.database.owner, app.userId, PASSWORD);
  admin = new Browser(app.app, '10.8.0.1');
  expect((await admin.login('admin@a.test', PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await app?.close();
});

const eventsOf = (type: 'api_token.created' | 'api_token.revoked') =>
  app.database.owner.selectFrom('event_outbox_events').select('envelope').where('type', '=', type).execute();

it('refuses the token routes to a non-admin (403) and to nobody signed in (401)', async () => {
  await addUser(app.database.owner, app.organizationId, { email: 'operator@a.test', role: 'operator', password: PASSWORD });
  const operator = new Browser(app.app, '10.8.0.2');
  await operator.login('operator@a.test', PASSWORD);
  for (const [method, url, body] of [
    ['GET', '/auth/tokens', undefined],
    ['POST', '/auth/tokens', { name: 'ci', role: 'viewer' }],
    ['DELETE', '/auth/tokens/00000000-0000-4000-8000-000000000000', undefined],
  ] as const) {
    expect((await operator.request(method, url, { body })).body, `${method} ${url}`).toEqual({ error: 'forbidden', message: 'only an admin may manage API tokens' });
    expect((await new Browser(app.app, '10.8.0.3').request(method, url, { body })).status, `${method} ${url}`).toBe(401);
  }
});

it('creates a token that authenticates as its creator with its role, shown once and listed without the sessions’ own', async () => {
  const created = await admin.request('POST', '/auth/tokens', { body: { name: 'ci deploys', role: 'operator', expires_in_days: 30 } });
  expect(created.status).toBe(201);
  expect(created.body.token.startsWith(created.body.token_prefix)).toBe(true);
  expect(new Date(created.body.expires_at).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  const identity = await authenticate(app.database.owner, hashToken(created.body.token));
  expect(identity).toMatchObject({ organizationId: app.organizationId, userId: app.userId, role: 'operator', tokenId: created.body.id });

  const listed = await admin.request('GET', '/auth/tokens');
  // Newest first: the bootstrap's admin token is a machine's too.
  expect(listed.body.data.map((token: { name: string }) => token.name)).toEqual(['ci deploys', 'bootstrap admin']);
  expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
  const [event] = await eventsOf('api_token.created');
  expect(event!.envelope.data).toEqual({ token_id: created.body.id, user_id: app.userId, name: 'ci deploys', role: 'operator', expires_at: created.body.expires_at });
});

it('revokes a token: it authenticates no more, and revoking it again changes nothing', async () => {
  const created = await admin.request('POST', '/auth/tokens', { body: { name: 'nightly export', role: 'viewer' } });
  const revoked = await admin.request('DELETE', `/auth/tokens/${created.body.id}`);
  expect(revoked.status).toBe(200);
  expect(revoked.body.revoked_at).not.toBeNull();
  expect(await authenticate(app.database.owner, hashToken(created.body.token))).toBeUndefined();
  const again = await admin.request('DELETE', `/auth/tokens/${created.body.id}`);
  expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
  expect((await eventsOf('api_token.revoked')).map((event) => event.envelope.data)).toEqual([{ token_id: created.body.id, user_id: app.userId, name: 'nightly export' }]);
});

it('names the field of a bad token request, and keeps the sessions’ tokens out of reach', async () => {
  const reserved = await admin.request('POST', '/auth/tokens', { body: { name: 'console session', role: 'admin' } });
  expect(reserved.status).toBe(400);
  expect(reserved.body.message).toContain('body.name');
  const role = await admin.request('POST', '/auth/tokens', { body: { name: 'x', role: 'root' } });
  expect(role.status).toBe(400);
  expect(role.body.message).toContain('body.role');
  const session = await app.database.owner.selectFrom('api_tokens').select('id').where('name', '=', 'console session').executeTakeFirstOrThrow();
  expect((await admin.request('DELETE', `/auth/tokens/${session.id}`)).status).toBe(404);
});
