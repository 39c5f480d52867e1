/**
 * Redis loses the notifications queue (FLUSHALL on a redis-server of this file's own) while
 * deliveries are pending: the reconciler gives each its job back, and each webhook is delivered
 * exactly once, counted at the receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization } from '@stratus/auth';
import { createDb, withTenant, type NotificationChannel } from '@stratus/db';
import { publish, type EventEnvelope } from '@stratus/events';
import { createQueues, createRedisConnection, reconcile, type Queues } from '@stratus/queues';
import { createLogger, type BackgroundTask } from '@stratus/runtime';
import { createTestDatabase, eventually, startOwnRedis, type OwnRedis, type TestDatabase } from '@stratus/testing';
import { generateKey, parseKeyring } from '@stratus/vault';
import { crossing } from '../../test/budget-crossings.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/webhook-receiver.ts';
import { handlers } from '../app.ts';
import { channelKey, saveSigningSecret } from '../modules/deliveries/deliveries.repository.ts';
import { generateSigningSecret } from '../modules/deliveries/webhook-signature.ts';
import { notificationDeliverReconciler, notificationDeliveries } from './notification-deliver.reconciler.ts';
import { notificationsWorker } from './notifications.worker.ts';

const PREFIX = 'stratus';

describe('notification deliveries after Redis lost their jobs', () => {
  let database: TestDatabase;
  let auditDb: ReturnType<typeof createDb>;
  let redis: OwnRedis;
  let connection: ReturnType<typeof createRedisConnection>;
  let queues: Queues;
  let receiver: WebhookReceiver;
  let organizationId: string;
  const keyring = parseKeyring(`k1:${generateKey()}`);
  const logger = createLogger('audit-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);
  const tasks: BackgroundTask[] = [];

  beforeAll(async () => {
    [database, redis, receiver] = await Promise.all([createTestDatabase(), startOwnRedis(), startWebhookReceiver()]);
    connection = createRedisConnection(redis.url, { forWorker: true });
    queues = createQueues({ connection, prefix: PREFIX });
    const tenant = await bootstrapOrganization(database.owner, { organizationName: 'Reconciled', adminEmail: 'admin@reconciled.test' });
    organizationId = tenant.organization.id;
    auditDb = createDb({ url: database.url, role: 'stratus_audit', max: 4 });
    await withTenant(auditDb, organizationId, (trx) => saveSigningSecret(trx, keyring, organizationId, generateSigningSecret()));
  });

  afterAll(async () => {
    for (const task of tasks.reverse()) await task.stop();
    await queues?.close();
    connection?.disconnect();
    await Promise.all([redis?.stop(), receiver?.close(), auditDb?.destroy()]);
    await database?.drop();
  });

  async function start(task: BackgroundTask) {
    await task.start();
    tasks.push(task);
  }

  /** A budget alert announced on webhooks at the paths; the crossing applied by the audit handler, as the consumer does. */
  async function crossingTo(paths: string[]): Promise<EventEnvelope<'budget.threshold_crossed'>> {
    const channels: NotificationChannel[] = paths.map((path) => ({ type: 'webhook', url: receiver.url(path) }));
    const budget = await database.owner
      .insertInto('budgets')
      .values({ organization_id: organizationId, name: 'Data platform', amount: '1000', currency: 'USD', period: 'monthly', start_date: '2024-01-01' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const alert = await database.owner
      .insertInto('budget_alerts')
      .values({ organization_id: organizationId, budget_id: budget.id, threshold: '80', notification_channels: JSON.stringify(channels) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const event = await database.owner
      .transaction()
      .execute((trx) =>
        publish(trx, 'cost', 'budget.threshold_crossed', { tenant: organizationId, data: crossing({ budget_id: budget.id, budget_alert_id: alert.id }) }),
      );
    await withTenant(auditDb, organizationId, (trx) => handlers(queues)['budget.threshold_crossed'](event, trx));
    return event;
  }

  function deliveries(eventIds: string[]) {
    return database.owner
      .selectFrom('notification_deliveries')
      .select(['event_id', 'status', 'attempts'])
      .where('event_id', 'in', eventIds)
      .execute();
  }

  async function jobsInRedis(): Promise<number> {
    const counts = await queues.queues.notifications.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  it('delivers each pending delivery exactly once after FLUSHALL, and never re-sends one already delivered', async () => {
    // Six deliveries recorded and enqueued while no worker runs, then Redis forgets them all.
    const lost = [await crossingTo(['/a1', '/a2', '/a3']), await crossingTo(['/b1', '/b2', '/b3'])];
    expect(await jobsInRedis()).toBe(6);
    expect(await connection.flushall()).toBe('OK');
    expect(await jobsInRedis()).toBe(0);
    // One more after the flush: its job is still in Redis and must not be doubled.
    const kept = await crossingTo(['/c1']);
    const keptJob = await queues.queues.notifications.getJobs(['waiting']);
    expect(keptJob).toHaveLength(1);

    const work = notificationDeliveries(auditDb);
    expect(await reconcile(queues, work)).toEqual({ unfinished: 7, reEnqueued: 6 });
    expect(await queues.queues.notifications.getWaitingCount()).toBe(7);
    expect((await queues.queues.notifications.getJob(keptJob[0]!.id!))?.timestamp).toBe(keptJob[0]!.timestamp);

    // The worker drains the queue while the service's reconciler keeps passing over it.
    await start(notificationsWorker({ db: auditDb, redis: connection, logger, config: { REDIS_PREFIX: PREFIX, CREDENTIALS_KEYS: keyring, WEBHOOK_ALLOW_PRIVATE_NETWORKS: true } }));
    await start(notificationDeliverReconciler({ db: auditDb, queues, logger }, 100));
    const eventIds = [...lost, kept].map((event) => event.id);
    await eventually(async () => {
      const rows = await deliveries(eventIds);
      expect(rows).toHaveLength(7);
      for (const row of rows) expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
    });
    const paths = ['/a1', '/a2', '/a3', '/b1', '/b2', '/b3', '/c1'];
    await eventually(async () => expect(await queues.queues.notifications.getCompletedCount()).toBe(7));
    for (const path of paths) expect(receiver.requests(path), path).toHaveLength(1);

    // Delivered, then forgotten by Redis again: the reconciler enqueues nothing, so nothing is sent.
    await connection.flushall();
    expect(await reconcile(queues, work)).toEqual({ unfinished: 0, reEnqueued: 0 });
    expect(await jobsInRedis()).toBe(0);
    for (const path of paths) expect(receiver.requests(path), path).toHaveLength(1);
  });

  it('gives a delivery waiting out a retry its job back, and it is delivered on the next attempt', async () => {
    receiver.script('/flaky', [{ status: 503 }]);
    const event = await crossingTo(['/flaky']);
    // The 503 is recorded and the retry waits 5 s in Redis's delayed set, where the flush finds it.
    await eventually(async () => expect(await deliveries([event.id])).toEqual([{ event_id: event.id, status: 'pending', attempts: 1 }]));
    await eventually(async () => expect(await queues.queues.notifications.getDelayedCount()).toBe(1));
    await connection.flushall();

    await eventually(async () => expect(await deliveries([event.id])).toEqual([{ event_id: event.id, status: 'delivered', attempts: 2 }]));
    expect(receiver.requests('/flaky').map((request) => request.path)).toEqual(['/flaky', '/flaky']);
  });

  it('counts the attempts a delivery had before Redis lost its job: the eighth send is its last', async () => {
    const channel = { type: 'webhook' as const, url: receiver.url('/worn') };
    receiver.script('/worn', [{ status: 500 }]);
    const notification = await database.owner
      .insertInto('notifications')
      .values({ organization_id: organizationId, type: 'budget_alert', title: 'Budget', message: 'reached 80%' })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Seven failed sends recorded, and the job that would have made the eighth lost with Redis.
    const delivery = await database.owner
      .insertInto('notification_deliveries')
      .values({
        organization_id: organizationId,
        notification_id: notification.id,
        event_id: crypto.randomUUID(),
        channel_key: channelKey(channel),
        channel: JSON.stringify(channel),
        payload: JSON.stringify({}),
        attempts: 7,
        last_error: 'the webhook answered HTTP 500',
      })
      .returning('event_id')
      .executeTakeFirstOrThrow();

    await eventually(async () =>
      expect(await deliveries([delivery.event_id])).toEqual([{ event_id: delivery.event_id, status: 'failed', attempts: 8 }]),
    );
    expect(receiver.requests('/worn')).toHaveLength(1);
  });
});
