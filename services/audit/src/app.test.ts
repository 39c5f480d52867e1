/**
 * The audit service as it runs: its background tasks give a pending delivery whose job Redis does
 * not have its job back at start, without waiting for the reconciler's interval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import type { BackgroundTask } from '@stratus/runtime';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { eventually } from '@stratus/testing';
import { generateKey } from '@stratus/vault';
import { startWebhookReceiver, type WebhookReceiver } from '../test/webhook-receiver.ts';
import { service } from './app.ts';
import { channelKey, saveSigningSecret } from './modules/deliveries/deliveries.repository.ts';
import { generateSigningSecret } from './modules/deliveries/webhook-signature.ts';

describe('the audit service at start', () => {
  let audit: TestApp<typeof service.env>;
  let receiver: WebhookReceiver;
  let tasks: BackgroundTask[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    audit = await startTestApp(service, { overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}`, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
    const { deps, organizationId } = audit;
    await withTenant(deps.db, organizationId, (trx) => saveSigningSecret(trx, deps.config.CREDENTIALS_KEYS, organizationId, generateSigningSecret()));
  });

  afterAll(async () => {
    for (const task of tasks.reverse()) await task.stop();
    await audit?.close();
    await receiver?.close();
  });

  it('sends a pending delivery that has no job in Redis, once', async () => {
    const channel = { type: 'webhook' as const, url: receiver.url('/recovered') };
    const owner = audit.database.owner;
    const notification = await owner
      .insertInto('notifications')
      .values({ organization_id: audit.organizationId, type: 'budget_alert', title: 'Budget', message: 'reached 80%' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { event_id } = await owner
      .insertInto('notification_deliveries')
      .values({
        organization_id: audit.organizationId,
        notification_id: notification.id,
        event_id: crypto.randomUUID(),
        channel_key: channelKey(channel),
        channel: JSON.stringify(channel),
        payload: JSON.stringify({ id: 'recovered' }),
      })
      .returning('event_id')
      .executeTakeFirstOrThrow();

    tasks = service.background!(audit.deps);
    for (const task of tasks) await task.start();

    await eventually(async () => {
      const row = await owner.selectFrom('notification_deliveries').select(['status', 'attempts']).where('event_id', '=', event_id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'delivered', attempts: 1 });
    });
    expect(receiver.requests('/recovered').map((request) => request.body)).toEqual(['{"id":"recovered"}']);
  });
});
