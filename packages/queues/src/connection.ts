import { Redis } from 'ioredis';

export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError';
}

/** Attempts before giving up when Redis has never answered: it is then missing or misconfigured. */
const STARTUP_ATTEMPTS = 5;

/** The URL without its password, for messages. */
function describe(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
}

/**
 * An ioredis connection for BullMQ. `forWorker`: workers hold blocking commands, so requests never
 * time out (`maxRetriesPerRequest: null`, which BullMQ requires); producers fail a command after
 * one reconnect so an HTTP request that enqueues does not hang while Redis is away.
 *
 * Until the first successful connection, a few attempts are made (a few seconds) and then the
 * commands waiting for it fail with a RedisUnreachableError naming the URL, so start-up checks fail
 * fast and clearly (ioredis alone would wait forever with `maxRetriesPerRequest: null`, or say only
 * "Connection is closed."). Once connected, it reconnects indefinitely: a Redis restart must not
 * stop the workers.
 */
export function createRedisConnection(url: string, { forWorker }: { forWorker: boolean }): Redis {
  const where = describe(url);
  let connected = false;
  let lastError: Error | undefined;
  const redis: Redis = new Redis(url, {
    maxRetriesPerRequest: forWorker ? null : 1,
    connectTimeout: 3_000,
    retryStrategy: (attempt) => {
      if (connected || attempt < STARTUP_ATTEMPTS) return Math.min(attempt * 250, 2_000);
      const error = new RedisUnreachableError(
        `cannot reach Redis at ${where} after ${attempt} attempts: ${lastError?.message ?? 'connection closed'}`,
      );
      // flushQueue is internal to ioredis but is exactly "reject what is waiting with this error";
      // without it the waiting commands get a bare "Connection is closed.".
      (redis as unknown as { flushQueue(error: Error): void }).flushQueue(error);
      return null;
    },
  });
  redis.on('ready', () => {
    connected = true;
  });
  // Kept for the message above. Without a listener ioredis prints every failed reconnect to
  // stderr; BullMQ re-emits connection errors on its Queue and Worker 'error' events for logging.
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  return redis;
}
