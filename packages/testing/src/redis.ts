import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { testEnv } from './env.ts';

export interface TestRedis {
  url: string;
  /** A key prefix (BullMQ `prefix`) owned by this test file. */
  prefix: string;
  /** Deletes every key under the prefix and closes the connection used for it. */
  cleanup(): Promise<void>;
}

export function createTestRedis(): TestRedis {
  const prefix = `test:${randomBytes(4).toString('hex')}`;
  return {
    url: testEnv.redisUrl,
    prefix,
    async cleanup() {
      const redis = new Redis(testEnv.redisUrl, { lazyConnect: true });
      await redis.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
