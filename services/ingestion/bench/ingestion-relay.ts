import type { Logger } from 'pino';
import { OutboxRelayThread } from '@stratus/events';
import { testEnv } from '@stratus/testing/bench';

/** The ingestion service's outbox relay as the service runs it (its own thread and role), for a benchmark's database and topics. */
export function ingestionRelay(databaseUrl: string, topicPrefix: string, logger: Logger): OutboxRelayThread {
  return new OutboxRelayThread({
    databaseUrl,
    role: 'stratus_ingestion',
    kafka: { clientId: 'stratus-bench', brokers: testEnv.kafkaBrokers },
    producer: 'ingestion',
    topicPrefix,
    logger,
  });
}
