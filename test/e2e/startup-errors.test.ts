/**
 * A service given bad configuration stops at once with a message that says what to fix, rather
 * than starting half-working or retrying forever.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testEnv, type TestDatabase } from '@stratus/testing';

const root = new URL('../../', import.meta.url).pathname;
/** The audit service seals webhook signing secrets: without keys it stops before the check a test is after. */
const CREDENTIALS_KEYS = `k1:${randomBytes(32).toString('base64')}`;

function runService(env: Record<string, string | undefined>, service = 'audit'): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`services/${service}/src/main.ts`], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: '0', LOG_PRETTY: 'false', ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('start-up with bad configuration', () => {
  it('names a missing DATABASE_URL', async () => {
    const { code, output } = await runService({ KAFKA_BROKERS: testEnv.kafkaBrokers.join(',') });
    expect(code).toBe(1);
    expect(output).toContain('DATABASE_URL is not set');
  });

  it.each(['ingestion', 'action-executor', 'audit'])('%s names a missing CREDENTIALS_KEYS and says how to make a key', async (service) => {
    const { code, output } = await runService(
      { DATABASE_URL: database.url, REDIS_URL: testEnv.redisUrl, KAFKA_BROKERS: testEnv.kafkaBrokers.join(',') },
      service,
    );
    expect(code).toBe(1);
    expect(output).toContain('CREDENTIALS_KEYS is not set');
    expect(output).toContain('stratus credentials generate-key');
  });

  it('says how to get a broker when Kafka is unreachable', async () => {
    const started = Date.now();
    const { code, output } = await runService({ DATABASE_URL: database.url, REDIS_URL: testEnv.redisUrl, KAFKA_BROKERS: '127.0.0.1:1', CREDENTIALS_KEYS });
    expect(code).toBe(1);
    expect(output).toContain('cannot reach Kafka at 127.0.0.1:1 (KAFKA_BROKERS)');
    expect(output).toContain('scripts/kafka.sh start');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses an unmigrated database and names the command that migrates it', async () => {
    const url = new URL(database.url);
    url.pathname = '/postgres';
    const { code, output } = await runService({
      DATABASE_URL: url.toString(),
      REDIS_URL: testEnv.redisUrl,
      KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
      CREDENTIALS_KEYS,
    });
    expect(code).toBe(1);
    expect(output).toContain('scripts/stratus migrate');
  });
});
