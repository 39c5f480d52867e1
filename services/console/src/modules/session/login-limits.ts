import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';

const WINDOW_SECONDS = 15 * 60;

export interface LoginLimits {
  failuresPerEmail: number;
  failuresPerAddress: number;
}

/** consume() rejects with the limiter's state once over the limit: the count is what matters here, not that. */
async function count(limiter: RateLimiterRedis, key: string): Promise<void> {
  await limiter.consume(key).catch((rejection: unknown) => {
    if (rejection instanceof Error) throw rejection;
  });
}

/**
 * Failed sign-ins counted in Redis per email (guessing one person's password) and per client
 * address (trying many people's), over 15 minutes. Only failures count: a person who signs in
 * resets their email's count.
 */
export class LoginLimiter {
  readonly #byEmail: RateLimiterRedis;
  readonly #byAddress: RateLimiterRedis;

  constructor(redis: Redis, prefix: string, limits: LoginLimits) {
    this.#byEmail = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:console:login-failures:email`,
      points: limits.failuresPerEmail,
      duration: WINDOW_SECONDS,
    });
    this.#byAddress = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:console:login-failures:address`,
      points: limits.failuresPerAddress,
      duration: WINDOW_SECONDS,
    });
  }

  /** Seconds until another attempt is allowed, or 0 when one is allowed now. */
  async retryAfter(email: string, address: string): Promise<number> {
    const checks = await Promise.all([
      this.#byEmail.get(email).then((state) => [state, this.#byEmail.points] as const),
      this.#byAddress.get(address).then((state) => [state, this.#byAddress.points] as const),
    ]);
    const waits = checks.map(([state, points]) => (state && state.consumedPoints >= points ? Math.ceil(state.msBeforeNext / 1000) : 0));
    return Math.max(0, ...waits);
  }

  async recordFailure(email: string, address: string): Promise<void> {
    await Promise.all([count(this.#byEmail, email), count(this.#byAddress, address)]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.#byEmail.delete(email);
  }
}
