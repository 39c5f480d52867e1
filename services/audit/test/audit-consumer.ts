/**
 * The audit service's consumer against the real Kafka: its handlers under its own database role,
 * fed by the outbox relays of the producing services, on this test file's own database and topics.
 */
import { bootstrapOrganization } from '@stratus/auth';
import { createDb } from '@stratus/db';
import { createConsumer, ensureTopics, OutboxRelay, topicFor, type EventConsumer, type EventEnvelope } from '@stratus/events';
import { createLogger } from '@stratus/runtime';
import { createTestDatabase, createTestKafka, type TestDatabase, type TestKafka } from '@stratus/testing';
import { handlers } from '../src/app.ts';

export interface AuditConsumer {
  database: TestDatabase;
  kafka: TestKafka;
  /** The audit service's connection (role stratus_audit). */
  auditDb: ReturnType<typeof createDb>;
  consumer: EventConsumer;
  organizationId: string;
  userId: string;
  /** Sends events again exactly as the relay sent them, as Kafka does after a consumer crash. */
  redeliver(events: readonly EventEnvelope[]): Promise<void>;
  close(): Promise<void>;
}

/** Starts the consumer and one outbox relay per producing service whose events the tests publish. */
export async function startAuditConsumer(producers: readonly string[]): Promise<AuditConsumer> {
  const logger = createLogger('audit-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);
  const database = await createTestDatabase();
  const kafka = createTestKafka();
  const admin = kafka.kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, { prefix: kafka.prefix, partitions: 1 });
  } finally {
    await admin.disconnect();
  }
  const tenant = await bootstrapOrganization(database.owner, { organizationName: 'Audit', adminEmail: 'admin@audit.test' });
  const auditDb = createDb({ url: database.url, role: 'stratus_audit', max: 2 });
  const consumer = createConsumer({
    kafka: kafka.kafka,
    db: auditDb,
    groupId: `${kafka.prefix}stratus-audit`,
    topicPrefix: kafka.prefix,
    handlers,
    logger,
    fromBeginning: true,
  });
  await consumer.start();
  const relays = producers.map(
    (producer) =>
      new OutboxRelay({ db: database.owner, listenUrl: database.url, kafka: kafka.kafka, producer, topicPrefix: kafka.prefix, logger }),
  );
  for (const relay of relays) await relay.start();

  return {
    database,
    kafka,
    auditDb,
    consumer,
    organizationId: tenant.organization.id,
    userId: tenant.user.id,
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
      for (const relay of relays) await relay.stop();
      await consumer.stop();
      await auditDb.destroy();
      await kafka.cleanup();
      await database.drop();
    },
  };
}
