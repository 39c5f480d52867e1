/**
 * budget.threshold_crossed, relayed through the real Kafka to the audit consumer, delivered by the
 * notifications worker from the real Redis to a webhook receiver and an SMTP server on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type NotificationChannel } from '@stratus/db';
import { eventually } from '@stratus/testing';
import { startAuditConsumer, type AuditConsumer } from '../../test/audit-consumer.ts';
import { crossing, publishCrossing } from '../../test/budget-crossings.ts';
import { startSmtpInbox, type SmtpInbox } from '../../test/smtp-inbox.ts';
import { startWebhookReceiver, verifyStratusSignature, type WebhookReceiver } from '../../test/webhook-receiver.ts';
import { handlers } from '../app.ts';
import { channelKey, saveSigningSecret } from '../modules/deliveries/deliveries.repository.ts';
import { generateSigningSecret } from '../modules/deliveries/webhook-signature.ts';

/** A budget with one alert announced on the channels, as the cost service stores them. */
async function alertOn(audit: AuditConsumer, channels: NotificationChannel[]) {
  const owner = audit.database.owner;
  const budget = await owner
    .insertInto('budgets')
    .values({ organization_id: audit.organizationId, name: 'Data platform', amount: '1000', currency: 'USD', period: 'monthly', start_date: '2024-01-01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const alert = await owner
    .insertInto('budget_alerts')
    .values({ organization_id: audit.organizationId, budget_id: budget.id, threshold: '80', notification_channels: JSON.stringify(channels) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { budgetId: budget.id, alertId: alert.id };
}

function crossingOf(ids: { budgetId: string; alertId: string }) {
  return crossing({ budget_id: ids.budgetId, budget_alert_id: ids.alertId });
}

function deliveriesOf(audit: AuditConsumer, eventId: string) {
  return audit.database.owner
    .selectFrom('notification_deliveries')
    .select(['channel', 'channel_key', 'status', 'attempts', 'last_error', 'delivered_at'])
    .where('event_id', '=', eventId)
    .orderBy('channel_key')
    .execute();
}

async function settled(audit: AuditConsumer, eventId: string, timeoutMs = 15_000) {
  return eventually(
    async () => {
      const rows = await deliveriesOf(audit, eventId);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.status).not.toBe('pending');
      return rows;
    },
    { timeoutMs },
  );
}

describe('with SMTP configured and a signing secret', () => {
  let audit: AuditConsumer;
  let receiver: WebhookReceiver;
  let inbox: SmtpInbox;
  let secret: string;

  beforeAll(async () => {
    [receiver, inbox] = await Promise.all([startWebhookReceiver(), startSmtpInbox()]);
    audit = await startAuditConsumer(['cost'], { deliver: { SMTP_URL: inbox.url, SMTP_FROM: 'Stratus <alerts@stratus.test>' } });
    secret = generateSigningSecret();
    await withTenant(audit.auditDb, audit.organizationId, (trx) => saveSigningSecret(trx, audit.keyring, audit.organizationId, secret));
  });

  afterAll(async () => {
    await audit?.close();
    await Promise.all([receiver?.close(), inbox?.close()]);
  });

  it('POSTs the signed payload to the webhook and emails the address, once however often the event is applied', async () => {
    const webhook = { type: 'webhook' as const, url: receiver.url('/once') };
    const email = { type: 'email' as const, to: 'finops@example.test' };
    const ids = await alertOn(audit, [{ type: 'in_app' }, webhook, email]);
    const { duplicates } = audit.consumer.metrics();
    const event = await publishCrossing(audit, crossingOf(ids));

    const rows = await settled(audit, event.id);
    expect(rows).toMatchObject([
      { channel: email, status: 'delivered', attempts: 1, last_error: null },
      { channel: webhook, status: 'delivered', attempts: 1, last_error: null },
    ]);

    const [request] = receiver.requests('/once');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(verifyStratusSignature(secret, String(request!.headers['stratus-signature']), request!.body)).toBe(true);
    expect(verifyStratusSignature('whsec_someone-else', String(request!.headers['stratus-signature']), request!.body)).toBe(false);
    expect(JSON.parse(request!.body)).toEqual({
      id: event.id,
      type: 'budget.threshold_crossed',
      occurred_at: event.time,
      budget: { id: ids.budgetId, name: 'Data platform' },
      budget_alert_id: ids.alertId,
      threshold: '80',
      threshold_type: 'actual',
      period: { start: '2024-01-01', end: '2024-01-31' },
      spend: '812.500000',
      amount: '1000.000000',
      currency: 'USD',
    });
    expect(inbox.messages).toHaveLength(1);
    expect(inbox.messages[0]).toMatchObject({ from: 'alerts@stratus.test', to: ['finops@example.test'] });
    // The subject is the notification's title, MIME-encoded for its quotes and percent sign.
    expect(inbox.messages[0]!.raw).toContain('Subject: =?UTF-8?Q?Budget_=22Data_platform=22_reached_80=25?=');
    expect(inbox.messages[0]!.raw).toContain('812.50 USD');

    // Kafka redelivers the event: the consumer skips it.
    await audit.redeliver([event]);
    await eventually(() => expect(audit.consumer.metrics().duplicates).toBe(duplicates + 1), { timeoutMs: 30_000 });
    // The handler runs again outside the consumer, after Redis forgot the finished jobs: the jobs
    // are enqueued anew, find their deliveries made, and send nothing.
    const key = channelKey(webhook);
    await audit.queues.queues.notifications.remove(`${event.id}-${key}`);
    await withTenant(audit.auditDb, audit.organizationId, (trx) =>
      handlers(audit.queues)['budget.threshold_crossed'](event, trx),
    );
    await eventually(async () => {
      const job = await audit.queues.queues.notifications.getJob(`${event.id}-${key}`);
      expect(job?.returnvalue).toEqual({ status: 'skipped', reason: 'already delivered' });
    });
    expect(receiver.requests('/once')).toHaveLength(1);
    expect(inbox.messages).toHaveLength(1);
  });

  it('retries a 500 and delivers once on the 200 that follows', async () => {
    receiver.script('/flaky', [{ status: 500 }]);
    const event = await publishCrossing(audit, crossingOf(await alertOn(audit, [{ type: 'webhook', url: receiver.url('/flaky') }])));

    // The first retry waits the catalogue's 5 s.
    expect(await settled(audit, event.id, 20_000)).toMatchObject([{ status: 'delivered', attempts: 2, last_error: null }]);
    const requests = receiver.requests('/flaky');
    expect(requests).toHaveLength(2);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(5_000);
  });

  it('waits the Retry-After of a 429 before trying again', async () => {
    receiver.script('/throttled', [{ status: 429, headers: { 'retry-after': '1' } }]);
    const event = await publishCrossing(audit, crossingOf(await alertOn(audit, [{ type: 'webhook', url: receiver.url('/throttled') }])));

    expect(await settled(audit, event.id)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
    const [first, second] = receiver.requests('/throttled');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_000);
    expect(second!.at - first!.at).toBeLessThan(5_000);
  });

  it('records a 400 as failed without retrying it', async () => {
    receiver.script('/refusing', [{ status: 400 }]);
    const event = await publishCrossing(audit, crossingOf(await alertOn(audit, [{ type: 'webhook', url: receiver.url('/refusing') }])));

    expect(await settled(audit, event.id)).toMatchObject([
      {
        status: 'failed',
        attempts: 1,
        last_error: 'the webhook answered HTTP 400; not retried (only 429, 5xx and network errors are)',
        delivered_at: null,
      },
    ]);
    const job = await audit.queues.queues.notifications.getJob(`${event.id}-${channelKey({ type: 'webhook', url: receiver.url('/refusing') })}`);
    expect(await job!.isFailed()).toBe(true);
    expect(receiver.requests('/refusing')).toHaveLength(1);
  });
});

describe('without SMTP, a signing secret, or WEBHOOK_ALLOW_PRIVATE_NETWORKS', () => {
  let audit: AuditConsumer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    audit = await startAuditConsumer(['cost'], { deliver: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: false } });
  });

  afterAll(async () => {
    await audit?.close();
    await receiver?.close();
  });

  it('records the email and the webhook as failed, saying what to configure', async () => {
    const ids = await alertOn(audit, [
      { type: 'email', to: 'finops@example.test' },
      { type: 'webhook', url: 'https://hooks.example.test/stratus' },
    ]);
    const event = await publishCrossing(audit, crossingOf(ids));

    expect(await settled(audit, event.id)).toMatchObject([
      { channel: { type: 'email' }, status: 'failed', attempts: 1, last_error: 'SMTP is not configured (set SMTP_URL)' },
      {
        channel: { type: 'webhook' },
        status: 'failed',
        attempts: 1,
        last_error: 'the organisation has no webhook signing secret: create one with POST /v1/webhook-signing-secret (audit service)',
      },
    ]);
  });

  it('records a webhook to this host as failed for good, saying why, and never connects to it', async () => {
    await withTenant(audit.auditDb, audit.organizationId, (trx) => saveSigningSecret(trx, audit.keyring, audit.organizationId, generateSigningSecret()));
    const url = receiver.url('/internal').replace('http://127.0.0.1', 'https://localhost');
    const event = await publishCrossing(audit, crossingOf(await alertOn(audit, [{ type: 'webhook', url }])));

    expect(await settled(audit, event.id)).toMatchObject([
      {
        status: 'failed',
        attempts: 1,
        last_error:
          "the webhook's host resolves to a loopback address; webhooks are sent to public addresses only " +
          '(WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows others, for development)',
      },
    ]);
    expect(receiver.connections()).toBe(0);
  });
});
