import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createTestRedis, startOwnRedis, testEnv, type TestRedis } from '@stratus/testing';
import { healthPlugin } from './health.plugin.ts';
import type { RateLimits } from './rate-limit.ts';
import { buildServer, type StratusServer } from './server.ts';

const LIMITS: RateLimits = { windowSeconds: 60, perToken: 4, perAddress: 10, strict: 2 };

async function replica(redis: Redis, prefix: string, limits = LIMITS): Promise<StratusServer> {
  const app = buildServer({ logger: pino({ level: 'silent' }), service: 'test', version: '0.0.0', rateLimit: { redis, prefix, limits } });
  await app.register(healthPlugin, { checks: {} });
  await app.register(async (routes) => {
    routes.get('/v1/things', async () => ({ ok: true }));
    routes.post('/login', { config: { rateLimit: 'strict' } }, async () => ({ ok: true }));
  });
  await app.ready();
  return app;
}

function get(app: StratusServer, url: string, token?: string, address = '10.0.0.1') {
  return app.inject({ method: 'GET', url, remoteAddress: address, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe('rate limits', () => {
  let redis: Redis;
  let prefixes: TestRedis;
  let one: StratusServer;
  let two: StratusServer;

  beforeAll(async () => {
    redis = new Redis(testEnv.redisUrl);
    // Until the connection is ready the limits are not checked (see rejectIfRedisNotReady).
    await redis.ping();
    prefixes = createTestRedis();
    // Two replicas of one service: one Redis, one prefix.
    one = await replica(redis, prefixes.prefix);
    two = await replica(redis, prefixes.prefix);
  });

  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
    await prefixes.cleanup();
    redis.disconnect();
  });

  it('holds one token to its limit across replicas, then answers 429 with Retry-After and the RateLimit headers', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await get(i % 2 === 0 ? one : two, '/v1/things', 'token-a'));
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200, 429, 429]);
    expect(answers.map((answer) => answer.headers['ratelimit-remaining'])).toEqual(['3', '2', '1', '0', '0', '0']);
    expect(answers[0]!.headers['ratelimit-limit']).toBe('4');
    const refused = answers[4]!;
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-reset']).toBe(String(wait));
    expect(refused.json()).toEqual({
      error: 'rate_limited',
      message: `too many requests: retry in ${wait} s`,
      details: { limit: 4, window_seconds: 60, retry_after_seconds: wait },
    });
  });

  it('counts each token apart, and every request of an address together', async () => {
    const address = '10.0.0.2';
    for (let i = 0; i < 4; i++) expect((await get(one, '/v1/things', 'token-b', address)).statusCode).toBe(200);
    // token-b is spent; token-c is not, but this address has made 8 of its 10.
    for (let i = 0; i < 4; i++) expect((await get(two, '/v1/things', 'token-c', address)).statusCode).toBe(200);
    expect((await get(one, '/v1/things', 'token-b', address)).statusCode).toBe(429);
    // Requests without a token are counted by address only, so new tokens do not buy more.
    expect((await get(two, '/v1/things', undefined, address)).statusCode).toBe(200);
    const refused = await get(one, '/v1/things', 'token-d', address);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().details.limit).toBe(10);
    // Another address is counted on its own, unknown routes included.
    expect((await get(one, '/v1/things', 'token-d', '10.0.0.3')).statusCode).toBe(200);
    const unknown = await get(one, '/v1/nothing', 'token-d', '10.0.0.3');
    expect(unknown.statusCode).toBe(404);
    // token-d's third request (its refused one counted too): 1 of 4 left, fewer than the address's 8.
    expect(unknown.headers['ratelimit-remaining']).toBe('1');
  });

  it('holds strict routes to the strict limit, apart from the standard one', async () => {
    const address = '10.0.0.4';
    const post = (app: StratusServer) => app.inject({ method: 'POST', url: '/login', remoteAddress: address });
    expect((await post(one)).statusCode).toBe(200);
    expect((await post(two)).statusCode).toBe(200);
    const refused = await post(one);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['ratelimit-limit']).toBe('2');
    expect((await get(one, '/v1/things', 'token-e', address)).statusCode).toBe(200);
  });

  it('documents the 429 on every counted route, and on no probe', async () => {
    const document = (await get(one, '/docs/json', undefined, '10.0.0.6')).json();
    const refusal = document.paths['/v1/things'].get.responses['429'];
    expect(refusal.description).toMatch(/Retry-After/);
    expect(Object.keys(refusal.content['application/json'].schema.properties)).toEqual(['error', 'message', 'details']);
    expect(document.paths['/login'].post.responses['429']).toBeDefined();
    expect(document.paths['/healthz'].get.responses['429']).toBeUndefined();
  });

  it('never limits the health probes', async () => {
    const address = '10.0.0.5';
    for (let i = 0; i < 12; i++) {
      const probe = await get(i % 2 === 0 ? one : two, '/healthz', undefined, address);
      expect(probe.statusCode).toBe(200);
      expect(probe.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('serves without limits while Redis is unreachable rather than refusing everyone', async () => {
    const own = await startOwnRedis();
    const client = new Redis(own.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    await client.ping();
    const app = await replica(client, 'own', { ...LIMITS, perToken: 1 });
    try {
      expect((await get(app, '/v1/things', 'token-f')).statusCode).toBe(200);
      expect((await get(app, '/v1/things', 'token-f')).statusCode).toBe(429);
      await own.stop();
      const answer = await get(app, '/v1/things', 'token-f');
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['ratelimit-limit']).toBeUndefined();
    } finally {
      await app.close();
      client.disconnect();
      await own.stop();
    }
  });
});
