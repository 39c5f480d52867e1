import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { testEnv } from './env.ts';
import { eventually } from './eventually.ts';

export interface TestRedis {
  url: string;
  /** A key prefix (BullMQ `prefix`) owned by this test file. */
  prefix: string;
  /** Deletes every key under the prefix and closes the connection used for it. */
  cleanup(): Promise<void>;
}

/** Deletes every key under a BullMQ prefix (`prefix:*`). */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** deleteKeysUnder on the shared Redis, through a connection of its own: for work that held none, or whose services did. */
export async function deleteSharedKeysUnder(prefix: string): Promise<void> {
  const redis = new Redis(testEnv.redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    await deleteKeysUnder(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

export function createTestRedis(): TestRedis {
  const prefix = `test:${randomBytes(4).toString('hex')}`;
  return { url: testEnv.redisUrl, prefix, cleanup: () => deleteSharedKeysUnder(prefix) };
}

export interface OwnRedis {
  url: string;
  /** Stops the server; what it held is gone (it never saves). */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A redis-server of the test's own on a free loopback port, for tests that flush or stop Redis:
 * the shared one on 6379 is never flushed. It saves nothing and stops with the test.
 */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Refused connections are expected until the server listens.
  probe.on('error', () => undefined);
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
      await probe.connect().catch(() => undefined);
      if ((await probe.ping()) !== 'PONG') throw new Error('redis-server is not answering yet');
    }, { timeoutMs: 10_000 });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    probe.disconnect();
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
