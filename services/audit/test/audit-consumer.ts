/**
 * The audit service's consumer against the real Kafka: its handlers under its own database role,
 * fed by the outbox relays of the producing services, on this test file's own database, topics and
 * Redis prefix; with the notifications worker when the test delivers.
 */
import { bootstrapOrganization } from '@stratus/auth';
import { createDb, type ServiceName } from '@stratus/db';
import * as events from '@stratus/events';
import { createConsumer, topicFor, type EventConsumer, type EventEnvelope } from '@stratus/events';
import { createQueues, createRedisConnection, type Queues } from '@stratus/queues';
import { createLogger, type BackgroundTask } from '@stratus/runtime';
import { createTestRedis, openBackbone, type TestDatabase, type TestKafka } from '@stratus/testing';
import { generateKey, parseKeyring, type Keyring } from '@stratus/vault';
import { handlers } from '../src/app.ts';
import type { AuditConfig } from '../src/config.ts';
import { notificationsWorker } from '../src/jobs/notifications.worker.ts';

export interface AuditConsumer {
  database: TestDatabase;
  kafka: TestKafka;
  /** The audit service's connection (role stratus_audit). */
  auditDb: ReturnType<typeof createDb>;
  consumer: EventConsumer;
  /** The queues the consumer enqueues deliveries on. */
  queues: Queues;
  organizationId: string;
  userId: string;
  /** The worker's CREDENTIALS_KEYS, a fresh key: it seals and opens the signing secrets. */
  keyring: Keyring;
  /** Sends events again exactly as the relay sent them, as Kafka does after a consumer crash. */
  redeliver(events: readonly EventEnvelope[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the consumer and one outbox relay per producing service whose events the tests publish;
 * `deliver` also starts the notifications worker with that configuration; WEBHOOK_ALLOW_PRIVATE_NETWORKS
 * is on unless it says otherwise: the tests' webhook receivers listen on loopback, over http.
 */
export async function startAuditConsumer(
  producers: readonly ServiceName[],
  options: { deliver?: Partial<Pick<AuditConfig, 'SMTP_URL' | 'SMTP_FROM' | 'WEBHOOK_ALLOW_PRIVATE_NETWORKS'>> } = {},
): Promise<AuditConsumer> {
  const logger = createLogger('audit-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);
  const backbone = await openBackbone(events, { partitions: 1 });
  const { database, kafka } = backbone;
  const redis = createTestRedis();
  const connection = createRedisConnection(redis.url, { forWorker: true });
  const queues = createQueues({ connection, prefix: redis.prefix });
  const keyring = parseKeyring(`k1:${generateKey()}`);
  const tenant = await bootstrapOrganization(database.owner, { organizationName: 'Audit', adminEmail: 'admin@audit.test' });
  const auditDb = createDb({ url: database.url, role: 'stratus_audit', max: 2 });
  const consumer = createConsumer({
    kafka: kafka.kafka,
    db: auditDb,
    groupId: `${kafka.prefix}stratus-audit`,
    topicPrefix: kafka.prefix,
    handlers: handlers(queues),
    logger,
    fromBeginning: true,
  });
  await consumer.start();
  const worker: BackgroundTask | undefined = options.deliver
    ? notificationsWorker({
        db: auditDb,
        redis: connection,
        logger,
        config: { REDIS_PREFIX: redis.prefix, CREDENTIALS_KEYS: keyring, WEBHOOK_ALLOW_PRIVATE_NETWORKS: true, ...options.deliver },
      })
    : undefined;
  await worker?.start();
  for (const producer of producers) await backbone.startRelay(producer, logger);

  return {
    database,
    kafka,
    auditDb,
    consumer,
    queues,
    organizationId: tenant.organization.id,
    userId: tenant.user.id,
    keyring,
    async redeliver(events) {
      const producer = kafka.kafka.producer();
      await producer.connect();
      try {
        for (const event of events) {
          await producer.send({ topic: topicFor(kafka.prefix, event.type), messages: [{ key: event.subject, value: JSON.stringify(event) }] });
        }
      } finally {
        await producer.disconnect();
      }
    },
    async close() {
      await consumer.stop();
      await worker?.stop();
      await queues.close();
      connection.disconnect();
      await redis.cleanup();
      await auditDb.destroy();
      await backbone.close();
    },
  };
}
