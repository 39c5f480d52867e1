import type { TestDatabase } from './database.ts';
import { testEnv, testRateLimits } from './env.ts';
import type { TestKafka } from './kafka.ts';
import type { TestRedis } from './redis.ts';

/**
 * The environment of scripts/dev/launch.ts for a system of a test's own: its database, Redis prefix
 * and Kafka topic prefix, and ports moved to `portBase` so it runs beside a dev system.
 */
export function launcherEnv(own: { database: TestDatabase; redis: TestRedis; kafka: TestKafka; portBase: number }): Record<string, string> {
  return {
    DATABASE_URL: own.database.url,
    REDIS_URL: testEnv.redisUrl,
    REDIS_PREFIX: own.redis.prefix,
    KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: own.kafka.prefix,
    KAFKA_PARTITIONS: '2',
    STRATUS_PORT_BASE: String(own.portBase),
    LOG_PRETTY: 'false',
    ...testRateLimits,
  };
}
