import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { z } from 'zod';
import { bootstrapOrganization } from '@stratus/auth';
import { loadConfig } from '@stratus/config';
import { buildServiceApp, closeDependencies, openDependencies, type ServiceDeps } from '@stratus/runtime';
import { createTestDatabase, createTestRedis, testEnv, type TestDatabase, type TestRedis } from '@stratus/testing';
import { service } from '../src/app.ts';
import { env } from '../src/config.ts';

export interface IngestionApp {
  database: TestDatabase;
  deps: ServiceDeps<z.infer<typeof env>>;
  app: FastifyInstance;
  /** An admin token of organisation A, whose ids follow. */
  token: string;
  organizationId: string;
  userId: string;
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * The ingestion service's real app on its own database clone, Redis prefix and configuration, with
 * one organisation bootstrapped; background tasks are not started (tests drive jobs themselves).
 */
export async function startIngestionApp(options: { logger?: Logger; overrides?: Record<string, string> } = {}): Promise<IngestionApp> {
  const database = await createTestDatabase();
  const redis: TestRedis = createTestRedis();
  const config = loadConfig(env, {
    DATABASE_URL: database.url,
    REDIS_URL: testEnv.redisUrl,
    REDIS_PREFIX: redis.prefix,
    KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
    CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    STRATUS_CLOUD: 'sim',
    ...options.overrides,
  });
  const deps = openDependencies('ingestion', config, options.logger ?? pino({ level: 'silent' }));
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
      return { status: response.statusCode, body: response.body ? response.json() : undefined };
    },
    async close() {
      await app.close();
      await closeDependencies(deps);
      await redis.cleanup();
      await database.drop();
    },
  };
}
