import type { Redis } from 'ioredis';

/**
 * Limits what every executor replica together does to one cloud account: at most `concurrency`
 * operations at once (a lease per operation in a sorted set, scored by its expiry, so a killed
 * worker's lease lapses) and at most `perSecond` started per second (a counter per second).
 *
 * Why this and not BullMQ's limiter: the limiter is per queue, so a throttled account would hold
 * back every other account; BullMQ's groups, which are per key, are BullMQ Pro. A job the gate
 * refuses is put back as delayed without spending an attempt (see the operation.execute job).
 * The holder is the operation id, so a job that runs again after a crash takes its own lease back.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local now, lease = tonumber(ARGV[1]), tonumber(ARGV[2])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  return 0
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 1 end
local started = redis.call('INCR', KEYS[2])
if started == 1 then redis.call('PEXPIRE', KEYS[2], 2000) end
if started > tonumber(ARGV[5]) then return 2 end
redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
redis.call('PEXPIRE', KEYS[1], lease)
return 0
`;

export interface AccountGateOptions {
  redis: Redis;
  prefix: string;
  concurrency: number;
  perSecond: number;
  /** How long a lease holds without release: longer than any operation takes. */
  leaseMs?: number;
}

export type GateAnswer = { acquired: true } | { acquired: false; reason: 'busy' | 'rate_limited'; retryInMs: number };

export interface AccountGate {
  acquire(accountId: string, holder: string): Promise<GateAnswer>;
  release(accountId: string, holder: string): Promise<void>;
}

/** The script under a command name: ioredis sends it by its digest (EVALSHA), the whole text only when Redis has not cached it. */
interface GateRedis extends Redis {
  stratusAccountGateAcquire(leases: string, started: string, now: number, leaseMs: number, holder: string, concurrency: number, perSecond: number): Promise<number>;
}

function withGateCommand(redis: Redis): GateRedis {
  if (!('stratusAccountGateAcquire' in redis)) redis.defineCommand('stratusAccountGateAcquire', { numberOfKeys: 2, lua: ACQUIRE });
  return redis as GateRedis;
}

const DEFAULT_LEASE_MS = 15 * 60_000;
/** A busy account is asked again after this long, plus up to as much again so waiters spread out. */
const BUSY_RETRY_MS = 250;

export function createAccountGate({ redis: connection, prefix, concurrency, perSecond, leaseMs = DEFAULT_LEASE_MS }: AccountGateOptions): AccountGate {
  const redis = withGateCommand(connection);
  const leases = (accountId: string) => `${prefix}:account-gate:${accountId}:leases`;
  return {
    async acquire(accountId, holder) {
      const now = Date.now();
      const second = Math.floor(now / 1000);
      const answer = await redis.stratusAccountGateAcquire(leases(accountId), `${prefix}:account-gate:${accountId}:started:${second}`, now, leaseMs, holder, concurrency, perSecond);
      if (answer === 0) return { acquired: true };
      if (answer === 1) return { acquired: false, reason: 'busy', retryInMs: BUSY_RETRY_MS + Math.round(Math.random() * BUSY_RETRY_MS) };
      return { acquired: false, reason: 'rate_limited', retryInMs: (second + 1) * 1000 - now + Math.round(Math.random() * 100) };
    },
    async release(accountId, holder) {
      await redis.zrem(leases(accountId), holder);
    },
  };
}
