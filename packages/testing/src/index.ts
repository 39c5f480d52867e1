export { testEnv, databaseUrl } from './env.ts';
export { createTestDatabase, type TestDatabase } from './database.ts';
export { createTestKafka, type TestKafka } from './kafka.ts';
export { createTestRedis, startOwnRedis, type OwnRedis, type TestRedis } from './redis.ts';
export { eventually } from './eventually.ts';
export { openBackbone, type Backbone, type BackboneEvents } from './backbone.ts';
export { readTopics, type KafkaReader, type ReadMessage } from './kafka-reader.ts';
export { parsePrometheus, type MetricFamily } from './prometheus.ts';
export { outboxDrained } from './outbox.ts';
