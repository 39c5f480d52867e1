import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootstrapOrganization, createApiToken } from '@stratus/auth';
import { NOTIFICATION_TYPES } from '@stratus/db';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { generateKey } from '@stratus/vault';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';
import { stratus } from '../../../../../packages/cli/test/run-cli.ts';

let audit: TestApp<typeof env>;

beforeAll(async () => {
  audit = await startTestApp(service, { overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}` } });
});

afterAll(async () => {
  await audit?.close();
});

it("lists every type in the app only until the caller chooses channels, and keeps each user's own", async () => {
  const initial = await audit.call('GET', '/v1/notification-preferences');
  expect(initial.status).toBe(200);
  expect(initial.body.data).toEqual(NOTIFICATION_TYPES.map((notification_type) => ({ notification_type, channels: [] })));

  const channels = [
    { type: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXX' },
    { type: 'email', to: 'me@example.test' },
  ];
  const set = await audit.call('PUT', '/v1/notification-preferences/approval_requested', { body: { channels } });
  expect(set.status).toBe(200);
  expect(set.body).toEqual({ notification_type: 'approval_requested', channels });
  const replaced = await audit.call('PUT', '/v1/notification-preferences/approval_requested', { body: { channels: [channels[1]] } });
  expect(replaced.body.channels).toEqual([channels[1]]);

  // Another user of the same organisation has their own preferences.
  const colleague = await audit.database.owner
    .insertInto('users')
    .values({ organization_id: audit.organizationId, email: 'colleague@example.test', name: 'Colleague' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { token } = await createApiToken(audit.database.owner, { organizationId: audit.organizationId, userId: colleague.id, name: 'c', role: 'viewer' });
  const theirs = await audit.call('GET', '/v1/notification-preferences', { token });
  expect(theirs.body.data.find((row: { notification_type: string }) => row.notification_type === 'approval_requested').channels).toEqual([]);

  const other = await bootstrapOrganization(audit.database.owner, { organizationName: 'B', adminEmail: 'admin@b.test' });
  expect((await audit.call('GET', '/v1/notification-preferences', { token: other.token.token })).body.data[1].channels).toEqual([]);

  expect((await audit.call('DELETE', '/v1/notification-preferences/approval_requested')).status).toBe(204);
  expect((await audit.call('GET', '/v1/notification-preferences')).body.data[1]).toEqual({ notification_type: 'approval_requested', channels: [] });
});

it('refuses a channel it could not deliver, naming the field', async () => {
  const http = await audit.call('PUT', '/v1/notification-preferences/action_failed', {
    body: { channels: [{ type: 'slack', url: 'http://hooks.slack.com/services/x' }] },
  });
  expect(http.status).toBe(400);
  expect(http.body.message).toContain('body.channels.0.url');
  const unknownType = await audit.call('PUT', '/v1/notification-preferences/everything', { body: { channels: [] } });
  expect(unknownType.status).toBe(400);
  expect(unknownType.body.message).toContain('params.notification_type');
  const inApp = await audit.call('PUT', '/v1/notification-preferences/action_failed', { body: { channels: [{ type: 'in_app' }] } });
  expect(inApp.status).toBe(400);
});

it('`stratus notifications` sets, lists and resets preferences, and names a type it does not know', async () => {
  await audit.app.listen({ port: 0, host: '127.0.0.1' });
  const cli = { STRATUS_AUDIT_URL: `http://127.0.0.1:${(audit.app.server.address() as AddressInfo).port}`, STRATUS_TOKEN: audit.token };

  const prefer = await stratus(
    ['notifications', 'prefer', 'action_failed', '--email', 'oncall@example.test', '--slack', 'https://hooks.slack.com/services/T1/B1/x'],
    cli,
  );
  expect(prefer).toMatchObject({ code: 0, stderr: '' });
  expect(prefer.stdout).toContain('action_failed                 app, email oncall@example.test, slack https://hooks.slack.com/services/T1/B1/x');
  const list = await stratus(['notifications', 'preferences'], cli);
  expect(list.stdout.split('\n').filter(Boolean)).toEqual([
    'budget_alert                  app only',
    'approval_requested            app only',
    'action_failed                 app, email oncall@example.test, slack https://hooks.slack.com/services/T1/B1/x',
    'recommendation_high_savings   app only',
    'workflow                      app only',
    'report                        app only',
  ]);
  expect((await stratus(['notifications', 'reset', 'action_failed'], cli)).stdout).toBe('action_failed: app only\n');

  const insecure = await stratus(['notifications', 'prefer', 'action_failed', '--webhook', 'http://example.test/hook'], cli);
  expect(insecure.code).not.toBe(0);
  expect(insecure.stderr).toContain('body.channels.0.url');
  const unknown = await stratus(['notifications', 'prefer', 'everything'], cli);
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toContain('budget_alert, approval_requested, action_failed, recommendation_high_savings, workflow, report');
});
