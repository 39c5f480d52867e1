import type { Admin, Kafka } from 'kafkajs';
import { z } from 'zod';
import { loadConfig, postgresUrl, serviceEnv } from '@stratus/config';
import { createDb } from '@stratus/db';
import { connectAdmin, createKafkaClient } from '@stratus/events';

const cliEnv = z.object({ DATABASE_URL: postgresUrl });

export type CliConfig = z.infer<typeof cliEnv>;

export function cliConfig(): CliConfig {
  return loadConfig(cliEnv);
}

/**
 * Runs fn with a connection as the DATABASE_URL user, which owns the schema: the admin commands
 * write identity tables that the services' roles may only read, before any tenant exists.
 */
export async function withOwnerDb<T>(fn: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const db = createDb({ url: cliConfig().DATABASE_URL, max: 1, applicationName: 'stratus-cli' });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** The services' own variables, so the CLI looks at the cluster and topics they use. */
const kafkaEnv = serviceEnv.pick({ KAFKA_BROKERS: true, KAFKA_TOPIC_PREFIX: true });

export interface KafkaAccess {
  kafka: Kafka;
  /** Connected; the cluster answered it. */
  admin: Admin;
  topicPrefix: string;
}

/**
 * Runs fn against the cluster of KAFKA_BROKERS once a broker has answered, so that a wrong
 * address is one message naming the variable rather than the last error of a retry loop.
 */
export async function withKafka<T>(fn: (access: KafkaAccess) => Promise<T>): Promise<T> {
  const config = loadConfig(kafkaEnv);
  const kafka = createKafkaClient({ clientId: 'stratus-cli', brokers: config.KAFKA_BROKERS });
  const admin = await connectAdmin(kafka, config.KAFKA_BROKERS);
  try {
    return await fn({ kafka, admin, topicPrefix: config.KAFKA_TOPIC_PREFIX });
  } finally {
    await admin.disconnect();
  }
}
