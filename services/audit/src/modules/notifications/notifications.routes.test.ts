import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootstrapOrganization } from '@stratus/auth';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';

let audit: TestApp<typeof env>;

beforeAll(async () => {
  audit = await startTestApp(service);
});

afterAll(async () => {
  await audit?.close();
});

it("lists the organisation's notifications newest first, by type and status, to no other organisation", async () => {
  const notification = (title: string, type: string, status = 'unread') => ({
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
