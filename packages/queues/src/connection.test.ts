import { describe, expect, it } from 'vitest';
import { createTestRedis } from '@stratus/testing';
import { RedisUnreachableError, createRedisConnection } from './connection.ts';

describe('createRedisConnection', () => {
  it('talks to a reachable Redis, with the worker settings BullMQ needs', async () => {
    const redis = createRedisConnection(createTestRedis().url, { forWorker: true });
    try {
      expect(await redis.ping()).toBe('PONG');
      expect(redis.options.maxRetriesPerRequest).toBeNull();
    } finally {
      redis.disconnect();
    }
  });

  it('fails a waiting command with an error naming the unreachable URL, without its password', async () => {
    // Port 1 refuses connections at once; a worker connection would otherwise wait forever.
    const redis = createRedisConnection('redis://:hunter2@127.0.0.1:1/0', { forWorker: true });
    try {
      const error = await redis.ping().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(error).toBeInstanceOf(RedisUnreachableError);
      expect((error as Error).message).toMatch(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0 after 5 attempts: .*ECONNREFUSED/);
      expect((error as Error).message).not.toContain('hunter2');
    } finally {
      redis.disconnect();
    }
  });
});
