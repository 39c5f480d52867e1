import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKey } from '@stratus/vault';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';
import { addUser, Browser, setPassword } from '../../../test/browser.ts';

const PASSWORD = 'correct horse battery staple';
let app: TestApp<typeof env>;
let admin: Browser;
let operator: Browser;
let operatorId: string;

beforeAll(async () => {
  app = await startTestApp(service, { overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}` } });
  await setPassword(app.database.owner, app.userId, PASSWORD);
  admin = new Browser(app.app, '10.8.0.1');
  expect((await admin.login('admin@a.test', PASSWORD)).status).toBe(200);
  operatorId = await addUser(app.database.owner, app.organizationId, { email: 'operator@a.test', role: 'operator', password: PASSWORD });
  operator = new Browser(app.app, '10.8.0.2');
  expect((await operator.login('operator@a.test', PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await app?.close();
});

const changes = async () =>
  (await app.database.owner.selectFrom('event_outbox_events').select('envelope').where('type', '=', 'team.changed').orderBy('seq').execute()).map(
    ({ envelope }) => (envelope as { data: { change: string; member_user_id?: string } }).data,
  );

it('lets an admin create, rename and staff a team, which everyone signed in lists; each change is a team.changed event', async () => {
  const created = await admin.request('POST', '/auth/teams', { body: { name: 'platform', description: 'runs the clusters' } });
  expect(created).toMatchObject({ status: 201, body: { name: 'platform', description: 'runs the clusters' } });
  const id = created.body.id as string;
  expect((await admin.request('POST', '/auth/teams', { body: { name: 'platform' } })).status).toBe(409);

  const staffed = await admin.request('PUT', `/auth/teams/${id}/members/${operatorId}`, { body: { role: 'maintainer' } });
  expect(staffed.body.members).toEqual([{ user_id: operatorId, email: 'operator@a.test', role: 'maintainer' }]);
  expect((await admin.request('PUT', `/auth/teams/${id}/members/${operatorId}`, { body: {} })).body.members[0].role).toBe('member');
  expect((await admin.request('PATCH', `/auth/teams/${id}`, { body: { name: 'sre', description: null } })).body).toMatchObject({ name: 'sre', description: null });

  const listed = await operator.request('GET', '/auth/teams');
  expect(listed.body.data).toEqual([expect.objectContaining({ id, name: 'sre', members: [{ user_id: operatorId, email: 'operator@a.test', role: 'member' }] })]);

  expect((await admin.request('DELETE', `/auth/teams/${id}/members/${operatorId}`)).status).toBe(204);
  expect((await admin.request('DELETE', `/auth/teams/${id}/members/${operatorId}`)).status).toBe(404);
  expect((await admin.request('DELETE', `/auth/teams/${id}`)).status).toBe(204);
  expect((await admin.request('DELETE', `/auth/teams/${id}`)).status).toBe(404);
  expect((await changes()).map((change) => change.change)).toEqual(['created', 'member_set', 'member_set', 'updated', 'member_removed', 'deleted']);
});

it('refuses team changes to a non-admin (403), the list to nobody signed in (401), and a member who is not of the organisation (404)', async () => {
  const { body: team } = await admin.request('POST', '/auth/teams', { body: { name: 'finops' } });
  for (const [method, url, body] of [
    ['POST', '/auth/teams', { name: 'mine' }],
    ['PATCH', `/auth/teams/${team.id}`, { name: 'ours' }],
    ['DELETE', `/auth/teams/${team.id}`, undefined],
    ['PUT', `/auth/teams/${team.id}/members/${operatorId}`, {}],
  ] as const) {
    expect((await operator.request(method, url, { body })).body, `${method} ${url}`).toMatchObject({ error: 'forbidden' });
  }
  expect((await new Browser(app.app, '10.8.0.3').request('GET', '/auth/teams')).status).toBe(401);
  expect((await admin.request('PUT', `/auth/teams/${team.id}/members/${crypto.randomUUID()}`, { body: {} })).status).toBe(404);
});
