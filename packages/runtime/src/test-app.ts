import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { z } from 'zod';
import { bootstrapOrganization } from '@stratus/auth';
import { loadConfig, type ServiceEnv } from '@stratus/config';
import { createTestDatabase, createTestRedis, testEnv, testRateLimits, type TestDatabase, type TestRedis } from '@stratus/testing';
import { closeDependencies, openDependencies, type ServiceDeps } from './dependencies.ts';
import { buildServiceApp, type ServiceDefinition } from './run-service.ts';

export interface TestApp<S extends z.ZodObject> {
  database: TestDatabase;
  deps: ServiceDeps<z.infer<S> & ServiceEnv>;
  app: FastifyInstance;
  /** An admin token of organisation A, whose ids follow. */
  token: string;
  organizationId: string;
  userId: string;
  call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * A service's real app on its own database clone, Redis prefix and configuration, with one
 * organisation bootstrapped; consumers and background tasks are not started (tests drive them).
 */
export async function startTestApp<S extends z.ZodObject>(
  service: ServiceDefinition<S>,
  options: { logger?: Logger; overrides?: Record<string, string> } = {},
): Promise<TestApp<S>> {
  const database = await createTestDatabase();
  const redis: TestRedis = createTestRedis();
  const config = loadConfig(service.env, {
    DATABASE_URL: database.url,
    REDIS_URL: testEnv.redisUrl,
    REDIS_PREFIX: redis.prefix,
    KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
    ...testRateLimits,
    ...options.overrides,
  }) as z.infer<S> & ServiceEnv;
  const deps = openDependencies(service.name, config, options.logger ?? pino({ level: 'silent' }));
  const app = await buildServiceApp(service, deps, {});
  await app.ready();
  const { organization, user, token } = await bootstrapOrganization(database.owner, { organizationName: 'A', adminEmail: 'admin@a.test' });
  return {
    database,
    deps,
    app,
    token: token.token,
    organizationId: organization.id,
    userId: user.id,
    async call(method, url, { token: bearer = token.token, body, headers = {} } = {}) {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${bearer}`, ...headers },
        ...(body !== undefined ? { payload: body as string } : {}),
      });
      // JSON parsed; anything else (CSV) as text. app.inject gives headers when a test needs them.
      const json = String(response.headers['content-type'] ?? '').includes('json');
      return { status: response.statusCode, body: json ? response.json() : response.body || undefined };
    },
    async close() {
      await app.close();
      await closeDependencies(deps);
      await redis.cleanup();
      await database.drop();
    },
  };
}
