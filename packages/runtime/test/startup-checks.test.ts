import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, port, serviceEnv } from '@stratus/config';
import { createDb } from '@stratus/db';
import { createTestDatabase, testEnv, type TestDatabase } from '@stratus/testing';
import { checkDependencies, closeDependencies, openDependencies, StartupError } from '../src/dependencies.ts';
import { createLogger } from '../src/logger.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const configOf = () =>
  loadConfig(serviceEnv.extend({ PORT: port.default(0) }), { DATABASE_URL: database.url, REDIS_URL: testEnv.redisUrl, KAFKA_BROKERS: testEnv.kafkaBrokers.join(',') });

describe('checkDependencies', () => {
  it("refuses to start when the service's connections do not act as its role (a pooler that drops startup options)", async () => {
    const deps = openDependencies('audit', configOf(), createLogger('audit', 'silent', false));
    const asService = deps.db;
    // What a pooler ignoring the `options` startup parameter leaves: the login user.
    deps.db = createDb({ url: database.url, max: 1 });
    try {
      const refused = await checkDependencies(deps).then(() => undefined, (error: unknown) => error);
      expect(refused).toBeInstanceOf(StartupError);
      expect((refused as Error).message).toMatch(/act as postgres, not stratus_audit: .*dropped the role startup option/);
    } finally {
      await asService.destroy();
      await closeDependencies(deps);
    }
  });

  it('passes when every dependency is there and the connections act as the role', async () => {
    const deps = openDependencies('audit', configOf(), createLogger('audit', 'silent', false));
    try {
      await expect(checkDependencies(deps)).resolves.toBeUndefined();
    } finally {
      await closeDependencies(deps);
    }
  });
});
