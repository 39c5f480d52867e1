import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { testEnv } from './env.ts';

export interface TestKafka {
  brokers: string[];
  /** Prepended to every topic and consumer group of this test file, so files never share one. */
  prefix: string;
  kafka: Kafka;
  /** Deletes every topic created under the prefix. */
  cleanup(): Promise<void>;
}

export function createTestKafka(): TestKafka {
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  const kafka = new Kafka({
    clientId: `test-${prefix}`,
    brokers: testEnv.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  return {
    brokers: testEnv.kafkaBrokers,
    prefix,
    kafka,
    async cleanup() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
        if (topics.length > 0) await admin.deleteTopics({ topics });
      } finally {
        await admin.disconnect();
      }
    },
  };
}
