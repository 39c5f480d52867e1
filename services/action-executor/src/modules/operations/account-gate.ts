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
local now, lease, concurrency, per_second = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local answers = {}
for i = 1, #KEYS / 2 do
  local leases, started, holder = KEYS[2 * i - 1], KEYS[2 * i], ARGV[4 + i]
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
  if redis.call('ZSCORE', leases, holder) then
    redis.call('ZADD', leases, now + lease, holder)
    answers[i] = 0
  elseif redis.call('ZCARD', leases) >= concurrency then
    answers[i] = 1
  else
    local count = redis.call('INCR', started)
    if count == 1 then redis.call('PEXPIRE', started, 2000) end
    if count > per_second then
      answers[i] = 2
    else
      redis.call('ZADD', leases, now + lease, holder)
      redis.call('PEXPIRE', leases, lease)
      answers[i] = 0
    end
  end
end
return answers
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

export interface Lease {
  accountId: string;
  holder: string;
}

export interface AccountGate {
  acquire(accountId: string, holder: string): Promise<GateAnswer>;
  /** acquire for many leases (a worker's jobs of one moment), in one script call: the answers in order. */
  acquireMany(leases: readonly Lease[]): Promise<GateAnswer[]>;
  release(accountId: string, holder: string): Promise<void>;
  releaseMany(leases: readonly Lease[]): Promise<void>;
}

/**
 * The script under a command name: ioredis sends it by its digest (EVALSHA), the whole text only
 * when Redis has not cached it. Its keys (two per lease) vary in number, given first.
 */
interface GateRedis extends Redis {
  stratusAccountGateAcquire(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

function withGateCommand(redis: Redis): GateRedis {
  if (!('stratusAccountGateAcquire' in redis)) redis.defineCommand('stratusAccountGateAcquire', { lua: ACQUIRE });
  return redis as GateRedis;
}

const DEFAULT_LEASE_MS = 15 * 60_000;
/** A busy account is asked again after this long, plus up to as much again so waiters spread out. */
const BUSY_RETRY_MS = 250;

export function createAccountGate({ redis: connection, prefix, concurrency, perSecond, leaseMs = DEFAULT_LEASE_MS }: AccountGateOptions): AccountGate {
  const redis = withGateCommand(connection);
  const leases = (accountId: string) => `${prefix}:account-gate:${accountId}:leases`;
  const answerOf = (code: number, now: number): GateAnswer => {
    if (code === 0) return { acquired: true };
    if (code === 1) return { acquired: false, reason: 'busy', retryInMs: BUSY_RETRY_MS + Math.round(Math.random() * BUSY_RETRY_MS) };
    return { acquired: false, reason: 'rate_limited', retryInMs: (Math.floor(now / 1000) + 1) * 1000 - now + Math.round(Math.random() * 100) };
  };
  const gate: AccountGate = {
    async acquire(accountId, holder) {
      return (await gate.acquireMany([{ accountId, holder }]))[0]!;
    },
    async acquireMany(asked) {
      if (asked.length === 0) return [];
      const now = Date.now();
      const second = Math.floor(now / 1000);
      const keys = asked.flatMap(({ accountId }) => [leases(accountId), `${prefix}:account-gate:${accountId}:started:${second}`]);
      const codes = await redis.stratusAccountGateAcquire(keys.length, ...keys, now, leaseMs, concurrency, perSecond, ...asked.map((lease) => lease.holder));
      return codes.map((code) => answerOf(code, now));
    },
    async release(accountId, holder) {
      await gate.releaseMany([{ accountId, holder }]);
    },
    async releaseMany(held) {
      if (held.length === 0) return;
      const pipeline = redis.pipeline();
      for (const { accountId, holder } of held) pipeline.zrem(leases(accountId), holder);
      const failed = (await pipeline.exec())?.find(([error]) => error !== null);
      if (failed) throw failed[0];
    },
  };
  return gate;
}
