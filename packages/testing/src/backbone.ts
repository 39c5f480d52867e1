import type { Admin, Kafka } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { Database, ServiceName } from '@stratus/db';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { createTestKafka, type TestKafka } from './kafka.ts';

/**
 * What the backbone takes from @stratus/events, passed in by the caller (`import * as events from
 * '@stratus/events'`): @stratus/events is tested with this package, so this package cannot depend on it.
 */
export interface BackboneEvents<Logger> {
  ensureTopics(admin: Admin, options: { prefix: string; partitions: number }): Promise<unknown>;
  OutboxRelay: new (options: {
    db: Kysely<Database>;
    listenUrl: string;
    kafka: Kafka;
    producer: ServiceName;
    topicPrefix: string;
    logger: Logger;
  }) => { start(): Promise<void>; stop(): Promise<void> };
}

/** A test file's own migrated database, every topic of the catalogue under its own prefix, and its relays. */
export interface Backbone<Logger> {
  database: TestDatabase;
  kafka: TestKafka;
  /** Connected until close(). */
  admin: Admin;
  /** Starts the outbox relay of a producing service (as the owner, on this database and these topics). */
  startRelay(producer: ServiceName, logger: Logger): Promise<void>;
  /** Once the file's consumers have stopped: stops the relays, deletes the topics, drops the database. */
  close(): Promise<void>;
}

export async function openBackbone<Logger>(events: BackboneEvents<Logger>, options: { partitions: number }): Promise<Backbone<Logger>> {
  const database = await createTestDatabase();
  const kafka = createTestKafka();
  const admin = kafka.kafka.admin();
  const relays: { stop(): Promise<void> }[] = [];
  const close = async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    await admin.disconnect();
    await kafka.cleanup();
    await database.drop();
  };
  try {
    await admin.connect();
    await events.ensureTopics(admin, { prefix: kafka.prefix, partitions: options.partitions });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    database,
    kafka,
    admin,
    async startRelay(producer, logger) {
      const relay = new events.OutboxRelay({ db: database.owner, listenUrl: database.url, kafka: kafka.kafka, producer, topicPrefix: kafka.prefix, logger });
      await relay.start();
      relays.push(relay);
    },
    close,
  };
}
