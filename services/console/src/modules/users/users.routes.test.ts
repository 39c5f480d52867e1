import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKey } from '@stratus/vault';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';
import { addUser, Browser, setPassword } from '../../../test/browser.ts';

const PASSWORD = 'correct horse battery staple';
let app: TestApp<typeof env>;
let admin: Browser;

beforeAll(async () => {
  app = await startTestApp(service, {
    overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}`, CONSOLE_PUBLIC_URL: 'https://console.example.com' },
  });
  await setPassword(app.database.owner, app.userId, PASSWORD);
  admin = new Browser(app.app, '10.7.0.1');
  expect((await admin.login('admin@a.test', PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await app?.close();
});

it('refuses the user routes to a non-admin (403) and to nobody signed in (401)', async () => {
  await addUser(app.database.owner, app.organizationId, { email: 'operator@a.test', role: 'operator', password: PASSWORD });
  const operator = new Browser(app.app, '10.7.0.2');
  await operator.login('operator@a.test', PASSWORD);
  for (const [method, url, body] of [
    ['GET', '/auth/users', undefined],
    ['POST', '/auth/invitations', { email: 'x@a.test', name: 'X', role: 'viewer' }],
    ['PATCH', `/auth/users/${app.userId}`, { role: 'viewer' }],
  ] as const) {
    expect((await operator.request(method, url, { body })).body, `${method} ${url}`).toMatchObject({ error: 'forbidden' });
    expect((await new Browser(app.app, '10.7.0.3').request(method, url, { body })).status, `${method} ${url}`).toBe(401);
  }
});

it('invites a person with a role; the one-time link makes their user and signs them in; the admin lists them', async () => {
  const invited = await admin.request('POST', '/auth/invitations', { body: { email: 'New.Person@A.test', name: 'New Person', role: 'operator' } });
  expect(invited.status).toBe(201);
  const url = new URL(invited.body.invitation_url);
  expect(`${url.origin}${url.pathname}`).toBe('https://console.example.com/accept-invitation');
  const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
  expect(new Date(invited.body.expires_at).getTime()).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
  const stored = await app.database.owner.selectFrom('user_invitations').select(['email', 'role', 'token_hash']).executeTakeFirstOrThrow();
  expect(stored).toMatchObject({ email: 'new.person@a.test', role: 'operator' });
  expect(stored.token_hash.toString('hex')).not.toContain(Buffer.from(token).toString('hex'));

  const person = new Browser(app.app, '10.7.0.4');
  expect((await person.request('POST', '/auth/invitations/accept', { body: { token, password: 'too short' } })).body.message).toMatch(
    /body\.password password must have at least 12 characters/,
  );
  const accepted = await person.request('POST', '/auth/invitations/accept', { body: { token, password: PASSWORD } });
  expect(accepted.status).toBe(200);
  expect(accepted.body.user).toMatchObject({ email: 'new.person@a.test', name: 'New Person', role: 'operator', mfa_enabled: false });
  expect((await person.request('GET', '/auth/me')).body.user.email).toBe('new.person@a.test');
  expect((await new Browser(app.app, '10.7.0.5').login('new.person@a.test', PASSWORD)).status).toBe(200);
  const again = await new Browser(app.app, '10.7.0.6').request('POST', '/auth/invitations/accept', { body: { token, password: PASSWORD } });
  expect(again.status).toBe(404);

  const list = await admin.request('GET', '/auth/users');
  expect(list.status).toBe(200);
  expect(list.body.data).toContainEqual(
    expect.objectContaining({ email: 'new.person@a.test', role: 'operator', status: 'active', mfa_enabled: false, last_login: expect.any(String) }),
  );
  expect(list.body.data.every((user: Record<string, unknown>) => !('password_hash' in user))).toBe(true);
  expect((await admin.request('POST', '/auth/invitations', { body: { email: 'new.person@a.test', name: 'Twice', role: 'viewer' } })).status).toBe(409);
});

it("changes a user's role or status: user.updated is recorded and their sessions end", async () => {
  const id = await addUser(app.database.owner, app.organizationId, { email: 'viewer@a.test', role: 'viewer', password: PASSWORD });
  const viewer = new Browser(app.app, '10.7.0.7');
  await viewer.login('viewer@a.test', PASSWORD);
  const tokens = () => app.database.owner.selectFrom('api_tokens').select(['role', 'revoked_at']).where('user_id', '=', id).execute();
  expect(await tokens()).toEqual([{ role: 'viewer', revoked_at: null }]);

  const changed = await admin.request('PATCH', `/auth/users/${id}`, { body: { role: 'operator' } });
  expect(changed.status).toBe(200);
  expect(changed.body).toMatchObject({ id, role: 'operator', status: 'active' });
  expect((await viewer.request('GET', '/auth/me')).status).toBe(401);
  expect((await tokens())[0]!.revoked_at).not.toBeNull();
  const relogged = await viewer.login('viewer@a.test', PASSWORD);
  expect(relogged.body.user.role).toBe('operator');

  expect((await admin.request('PATCH', `/auth/users/${id}`, { body: { status: 'disabled' } })).body.status).toBe('disabled');
  expect((await viewer.request('GET', '/auth/me')).status).toBe(401);
  expect((await viewer.login('viewer@a.test', PASSWORD)).status).toBe(401);

  const events = await app.database.owner.selectFrom('event_outbox_events').select('envelope').where('type', '=', 'user.updated').execute();
  expect(events.map((row) => (row.envelope as { data: unknown }).data)).toEqual([
    { user_id: app.userId, target_user_id: id, role: { from: 'viewer', to: 'operator' } },
    { user_id: app.userId, target_user_id: id, status: { from: 'active', to: 'disabled' } },
  ]);
});

it("refuses an admin's change of their own role, an unknown user and an unknown role", async () => {
  expect((await admin.request('PATCH', `/auth/users/${app.userId}`, { body: { role: 'viewer' } })).status).toBe(409);
  expect((await admin.request('PATCH', '/auth/users/00000000-0000-4000-8000-000000000000', { body: { role: 'viewer' } })).status).toBe(404);
  const invalid = await admin.request('PATCH', `/auth/users/${app.userId}`, { body: { role: 'owner' } });
  expect(invalid.status).toBe(400);
  expect(invalid.body.message).toMatch(/body\.role/);
});
