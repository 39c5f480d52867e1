import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  /**
   * Where kafkajs's own warnings and errors go. Without one they are dropped: a command-line tool
   * reports a failure itself, and kafkajs would print a stack trace for every retried connection.
   */
  logger?: Logger;
}

/** The Kafka client of every Stratus process: a short connection timeout and a few retries. */
export function createKafkaClient({ clientId, brokers, logger }: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3_000,
    retry: { retries: 5, initialRetryTime: 300 },
    ...(logger
      ? {
          logLevel: logLevel.WARN,
          logCreator: () => ({ namespace, level, log }) => {
            const { message, ...extra } = log;
            const method = level <= logLevel.ERROR ? 'error' : 'warn';
            logger[method]({ kafka: namespace, ...extra }, message);
          },
        }
      : { logLevel: logLevel.NOTHING }),
  });
}

/** No broker of KAFKA_BROKERS answered; the message says what to fix. */
export class KafkaUnreachableError extends Error {
  override name = 'KafkaUnreachableError';

  constructor(brokers: readonly string[], cause: unknown) {
    super(
      `cannot reach Kafka at ${brokers.join(',')} (KAFKA_BROKERS): ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Start a broker (scripts/kafka.sh start) or fix KAFKA_BROKERS.',
      { cause },
    );
  }
}

/**
 * An admin client that has reached the cluster. Connecting goes through the client's retries, so a
 * broker that does not answer is reported after about ten seconds, naming what to fix.
 */
export async function connectAdmin(kafka: Kafka, brokers: readonly string[]): Promise<Admin> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return admin;
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    throw new KafkaUnreachableError(brokers, error);
  }
}
