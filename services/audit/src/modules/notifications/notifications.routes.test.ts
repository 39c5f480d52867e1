import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootstrapOrganization, createApiToken } from '@stratus/auth';
import { withTenant, type NotificationStatus } from '@stratus/db';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { generateKey, parseKeyring } from '@stratus/vault';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';
import { findSigningSecret } from '../deliveries/deliveries.repository.ts';

const credentialsKeys = `k1:${generateKey()}`;
/** Every line the app logs, at level trace. */
const logLines: string[] = [];
let audit: TestApp<typeof env>;

beforeAll(async () => {
  audit = await startTestApp(service, {
    overrides: { CREDENTIALS_KEYS: credentialsKeys },
    logger: pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) }),
  });
});

afterAll(async () => {
  await audit?.close();
});

it("lists the organisation's notifications newest first, by type and status, to no other organisation", async () => {
  const notification = (title: string, type: string, status: NotificationStatus = 'unread') => ({
    organization_id: audit.organizationId,
    title,
    message: `${title}.`,
    type,
    status,
    data: JSON.stringify({ event_id: title }),
  });
  for (const row of [notification('First', 'budget_alert'), notification('Second', 'other'), notification('Third', 'budget_alert', 'read')]) {
    await audit.database.owner.insertInto('notifications').values(row).execute();
  }

  const all = await audit.call('GET', '/v1/notifications?limit=2');
  expect(all.status).toBe(200);
  expect(all.body.items.map((item: { title: string }) => item.title)).toEqual(['Third', 'Second']);
  expect(all.body.items[0]).toMatchObject({ type: 'budget_alert', status: 'read', message: 'Third.', data: { event_id: 'Third' }, user_id: null });
  const rest = await audit.call('GET', `/v1/notifications?limit=2&cursor=${all.body.next_cursor}`);
  expect(rest.body).toMatchObject({ items: [{ title: 'First' }], next_cursor: null });

  const unreadAlerts = await audit.call('GET', '/v1/notifications?type=budget_alert&status=unread');
  expect(unreadAlerts.body.items.map((item: { title: string }) => item.title)).toEqual(['First']);

  const other = await bootstrapOrganization(audit.database.owner, { organizationName: 'B', adminEmail: 'admin@b.test' });
  expect((await audit.call('GET', '/v1/notifications', { token: other.token.token })).body.items).toEqual([]);
});

it("lists a notification's email and webhook deliveries with their outcome", async () => {
  const owner = audit.database.owner;
  const notification = await owner
    .insertInto('notifications')
    .values({ organization_id: audit.organizationId, title: 'Alert', message: 'Alert.', type: 'budget_alert', data: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const delivery = (channel: object, key: string, status: 'delivered' | 'failed', last_error: string | null) => ({
    organization_id: audit.organizationId,
    notification_id: notification.id,
    event_id: '0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d',
    channel_key: key,
    channel: JSON.stringify(channel),
    payload: '{}',
    status,
    attempts: 1,
    last_error,
  });
  await owner
    .insertInto('notification_deliveries')
    .values([
      delivery({ type: 'email', to: 'finops@example.test' }, 'email-01', 'delivered', null),
      delivery({ type: 'webhook', url: 'https://hooks.example.test/x' }, 'webhook-02', 'failed', 'the webhook answered HTTP 410'),
    ])
    .execute();

  const { body } = await audit.call('GET', '/v1/notifications?limit=1');
  expect(body.items[0].deliveries).toMatchObject([
    { channel: { type: 'email', to: 'finops@example.test' }, status: 'delivered', attempts: 1, last_error: null },
    { channel: { type: 'webhook', url: 'https://hooks.example.test/x' }, status: 'failed', last_error: 'the webhook answered HTTP 410', delivered_at: null },
  ]);
});

it('makes a webhook signing secret, shown once and stored sealed, that a second call replaces; for admins only', async () => {
  logLines.length = 0;
  const first = await audit.call('POST', '/v1/webhook-signing-secret');
  expect(first.status).toBe(201);
  expect(first.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  const second = await audit.call('POST', '/v1/webhook-signing-secret');
  expect(second.body.secret).not.toBe(first.body.secret);

  const rows = await audit.database.owner.selectFrom('webhook_signing_secrets').selectAll().execute();
  expect(rows).toEqual([{ organization_id: audit.organizationId, secret: expect.objectContaining({ kid: 'k1' }), key_id: 'k1', created_at: expect.any(Date) }]);
  const stored = JSON.stringify(rows);
  for (const { secret } of [first.body, second.body]) {
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
  }
  // Only the latest opens, and only under the service's own key.
  const opened = await withTenant(audit.deps.db, audit.organizationId, (trx) => findSigningSecret(trx, parseKeyring(credentialsKeys), audit.organizationId));
  expect(opened).toBe(second.body.secret);
  await expect(
    withTenant(audit.deps.db, audit.organizationId, (trx) => findSigningSecret(trx, parseKeyring(`k2:${generateKey()}`), audit.organizationId)),
  ).rejects.toThrow('a secret was sealed with key k1, which is not in CREDENTIALS_KEYS');

  // Shown in the response that made it, and nowhere else: no log line, at level trace.
  expect(logLines.filter((line) => line.includes('"msg":"incoming request"'))).toHaveLength(2);
  for (const { secret } of [first.body, second.body]) expect(logLines.join('\n')).not.toContain(secret);

  const viewer = await createApiToken(audit.database.owner, { organizationId: audit.organizationId, userId: audit.userId, role: 'viewer' });
  expect((await audit.call('POST', '/v1/webhook-signing-secret', { token: viewer.token })).status).toBe(403);
});

it("shows a user their own, their teams' and the organisation's notifications, not expired ones, and marks them read or unread", async () => {
  const { owner } = audit.database;
  const other = await owner.insertInto('users').values({ organization_id: audit.organizationId, email: 'other@a.test', name: 'Other' }).returning('id').executeTakeFirstOrThrow();
  const team = await owner.insertInto('teams').values({ organization_id: audit.organizationId, name: 'sre' }).returning('id').executeTakeFirstOrThrow();
  await owner.insertInto('user_teams').values({ user_id: audit.userId, team_id: team.id, organization_id: audit.organizationId, role: 'member' }).execute();
  const add = (title: string, target: { user_id?: string; team_id?: string; expires_at?: Date }) =>
    owner
      .insertInto('notifications')
      .values({ organization_id: audit.organizationId, title, message: title, type: 'approval_requested', ...target })
      .returning('id')
      .executeTakeFirstOrThrow();
  const mine = await add('mine', { user_id: audit.userId, expires_at: new Date(Date.now() + 3_600_000) });
  await add('team', { team_id: team.id });
  const others = await add('others', { user_id: other.id });
  await add('expired', { user_id: audit.userId, expires_at: new Date(Date.now() - 1000) });

  const titles = async (query: string) => (await audit.call('GET', `/v1/notifications?type=approval_requested${query}`)).body.items.map((item: { title: string }) => item.title);
  expect(await titles('&mine=true')).toEqual(['team', 'mine']);
  expect(await titles('')).toEqual(['others', 'team', 'mine']);

  expect(await audit.call('PATCH', `/v1/notifications/${mine.id}`, { body: { status: 'read' } })).toEqual({ status: 200, body: { id: mine.id, status: 'read' } });
  expect(await titles('&mine=true&status=unread')).toEqual(['team']);
  expect((await audit.call('PATCH', `/v1/notifications/${others.id}`, { body: { status: 'read' } })).status).toBe(404);
  expect((await audit.call('PATCH', `/v1/notifications/${mine.id}`, { body: { status: 'gone' } })).status).toBe(400);
});
