import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './app-error.ts';
import { errorSchema } from './error-handler.ts';

/**
 * `standard` for every route unless it says otherwise; `strict` for the routes an attacker would
 * hammer (sign-in, creating a session token); `false` for probes and metrics, which the
 * orchestrator and Prometheus call on their own schedule from few addresses.
 */
export type RateLimitClass = 'standard' | 'strict';

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RateLimitClass | false;
  }
}

/** Requests allowed per window; 0 turns that limit off. */
export interface RateLimits {
  windowSeconds: number;
  perToken: number;
  perAddress: number;
  /** Per token and per address alike, on `strict` routes, which count apart from the standard ones. */
  strict: number;
}

export interface RateLimitOptions {
  /** Shared by every replica: the counts are the service's, not one process's. */
  redis: Redis;
  prefix: string;
  limits: RateLimits;
}

interface Limiter {
  limiter: RateLimiterRedis;
  keyOf(request: FastifyRequest): string | undefined;
}

/**
 * The token's hash, not the token: Redis keys are listed by anyone who can run SCAN. A request
 * without a bearer token is counted by its address only.
 */
function tokenKey(request: FastifyRequest): string | undefined {
  const match = /^Bearer +(\S+)$/i.exec(request.headers.authorization?.trim() ?? '');
  return match?.[1] ? createHash('sha256').update(match[1]).digest('base64url').slice(0, 32) : undefined;
}

function limitersOf({ redis, prefix, limits }: RateLimitOptions, routeClass: RateLimitClass): Limiter[] {
  const points = routeClass === 'strict' ? { token: limits.strict, address: limits.strict } : { token: limits.perToken, address: limits.perAddress };
  const make = (by: 'token' | 'address', keyOf: Limiter['keyOf']): Limiter[] =>
    points[by] > 0
      ? [
          {
            limiter: new RateLimiterRedis({
              storeClient: redis,
              keyPrefix: `${prefix}:rate-limit:${routeClass}:${by}`,
              points: points[by],
              duration: limits.windowSeconds,
              // The service's connection queues commands while Redis is away (BullMQ needs it to);
              // a request must not wait on it, so the limiter fails fast and the request goes on.
              rejectIfRedisNotReady: true,
            }),
            keyOf,
          },
        ]
      : [];
  return [...make('token', tokenKey), ...make('address', (request) => request.ip)];
}

interface Standing {
  limit: number;
  remaining: number;
  resetSeconds: number;
  limited: boolean;
}

async function consume({ limiter, keyOf }: Limiter, request: FastifyRequest): Promise<Standing | undefined> {
  const key = keyOf(request);
  if (key === undefined) return undefined;
  const standing = (res: RateLimiterRes, limited: boolean): Standing => ({
    limit: limiter.points,
    remaining: Math.max(0, res.remainingPoints),
    resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    limited,
  });
  try {
    return standing(await limiter.consume(key), false);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return standing(rejection, true);
    // Redis unreachable: serving without a limit beats refusing everyone; readiness reports Redis.
    request.log.warn({ err: rejection }, 'rate limit not checked');
    return undefined;
  }
}

/** The limit closest to refusing is the one a client should pace itself by. */
function binding(standings: Standing[]): Standing | undefined {
  const refused = standings.filter((standing) => standing.limited);
  const pool = refused.length > 0 ? refused : standings;
  return pool.reduce<Standing | undefined>(
    (worst, standing) =>
      !worst || standing.remaining < worst.remaining || (standing.remaining === worst.remaining && standing.resetSeconds > worst.resetSeconds)
        ? standing
        : worst,
    undefined,
  );
}

/**
 * Counts every request per bearer token and per client address in Redis (fixed windows), and
 * answers `rate_limited` (429) with Retry-After once either is spent. Every counted response
 * carries the IETF draft's RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset of the limit
 * closest to refusing. Runs before authentication, so a flood of bad tokens costs no database
 * lookups (and is caught by its address).
 */
export function installRateLimits(app: FastifyInstance, options: RateLimitOptions): void {
  app.addHook('onRoute', documentRateLimit);
  const byClass: Record<RateLimitClass, Limiter[]> = { standard: limitersOf(options, 'standard'), strict: limitersOf(options, 'strict') };
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const routeClass = request.routeOptions.config.rateLimit ?? 'standard';
    if (routeClass === false) return;
    const standings = (await Promise.all(byClass[routeClass].map((limiter) => consume(limiter, request)))).filter((s) => s !== undefined);
    const shown = binding(standings);
    if (!shown) return;
    reply.header('ratelimit-limit', shown.limit);
    reply.header('ratelimit-remaining', shown.remaining);
    reply.header('ratelimit-reset', shown.resetSeconds);
    if (shown.limited) {
      reply.header('retry-after', shown.resetSeconds);
      throw new AppError('rate_limited', `too many requests: retry in ${shown.resetSeconds} s`, {
        details: { limit: shown.limit, window_seconds: options.limits.windowSeconds, retry_after_seconds: shown.resetSeconds },
      });
    }
  });
}

const RATE_LIMITED = errorSchema.describe('Too many requests from this token or address: retry after the `Retry-After` header\'s seconds.');

/** Every counted route may answer 429: its OpenAPI document says so, beside its own responses. */
function documentRateLimit(route: RouteOptions): void {
  if (route.config?.rateLimit === false) return;
  const schema = (route.schema ??= {});
  const response = (schema.response ??= {}) as Record<string, unknown>;
  response[429] ??= RATE_LIMITED;
}
