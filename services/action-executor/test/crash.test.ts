/**
 * Nothing lost, nothing twice (#14.5): the executor as its own process, on a Redis of the test's
 * own, is killed with SIGKILL while operations run, its Redis is flushed, and it is started again.
 * Every action ends succeeded, and the simulated cloud (in PostgreSQL, beside the executor)
 * applied each operation exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization } from '@stratus/auth';
import { createDb, withTenant } from '@stratus/db';
import { createQueues, createRedisConnection, type Queues } from '@stratus/queues';
import { createTestDatabase, createTestKafka, eventually, startOwnRedis, testEnv, type OwnRedis, type TestDatabase, type TestKafka } from '@stratus/testing';
import { handlers } from '../src/app.ts';
import { actionRequestedEvent, linkSimAccount, type SimAccount } from './executor-app.ts';

const root = new URL('../../../', import.meta.url).pathname;
const PREFIX = 'crash';

let database: TestDatabase;
let kafka: TestKafka;
let redis: OwnRedis;
let connection: Redis;
let queues: Queues;
let organizationId: string;
let account: SimAccount;
let executor: ChildProcess | undefined;
let output = '';

async function startExecutor(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['services/action-executor/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: PREFIX,
      KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: kafka.prefix,
      KAFKA_PARTITIONS: '1',
      PORT: '0',
      CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  database = await createTestDatabase();
  kafka = createTestKafka();
  redis = await startOwnRedis();
  connection = createRedisConnection(redis.url, { forWorker: true });
  queues = createQueues({ connection, prefix: PREFIX });
  const tenant = await bootstrapOrganization(database.owner, { organizationName: 'Crash', adminEmail: 'admin@crash.test' });
  organizationId = tenant.organization.id;
  // Snapshots take about 0.75 s each: long enough to be killed in the middle of some.
  account = await linkSimAccount(database.owner, organizationId, { operation_latency_ms: 500 }, 80);
}, 60_000);

afterAll(async () => {
  if (executor) await kill(executor);
  await queues?.close();
  connection?.disconnect();
  await redis?.stop();
  await kafka?.cleanup();
  await database?.drop();
});

function statuses() {
  return database.owner.selectFrom('operations').select(['status']).execute().then((rows) => rows.map((row) => row.status));
}

describe('an executor killed mid-job, its Redis flushed', () => {
  it('ends every action once: each operation applied exactly once by the simulated cloud', async () => {
    const targets = account.resources.filter((resource) => resource.type === 'vm' || resource.type === 'disk');
    expect(targets.length).toBeGreaterThanOrEqual(10);
    // The requests as the executor's consumer records them, enqueued on the executor's Redis.
    const executorDb = createDb({ url: database.url, role: 'stratus_action_executor', max: 2 });
    try {
      for (const target of targets) {
        const event = actionRequestedEvent(organizationId, { resource_id: target.id, action_type: 'snapshot' });
        await withTenant(executorDb, organizationId, (trx) => handlers(queues)['action.requested'](event, trx));
      }
    } finally {
      await executorDb.destroy();
    }

    executor = await startExecutor();
    await eventually(
      async () => {
        const now = await statuses();
        expect(now.filter((status) => status === 'success').length).toBeGreaterThan(0);
        expect(now.filter((status) => status === 'running').length).toBeGreaterThan(0);
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    ).catch((error: unknown) => {
      throw new Error(`the executor did not get to work:\n${output.slice(-3000)}`, { cause: error });
    });
    await kill(executor);
    const killedWith = await statuses();
    expect(killedWith).toContain('running');
    expect(killedWith.filter((status) => status !== 'success').length).toBeGreaterThan(0);

    await connection.flushall();
    expect(await queues.queues.operations.count()).toBe(0);

    executor = await startExecutor();
    await eventually(async () => expect(await statuses()).toEqual(targets.map(() => 'success')), { timeoutMs: 120_000, intervalMs: 250 }).catch(
      (error: unknown) => {
        throw new Error(`not every operation succeeded:\n${output.slice(-3000)}`, { cause: error });
      },
    );

    const operations = await database.owner.selectFrom('operations').select(['id', 'action_id', 'result']).execute();
    const { rows: journal } = await sql<{ client_token: string; entries: string }>`
      select client_token, count(*) as entries from sim_cloud.journal where kind = 'snapshot' group by client_token
    `.execute(database.owner);
    expect(journal.map((row) => [row.client_token, Number(row.entries)]).sort()).toEqual(operations.map((operation) => [operation.id, 1]).sort());
    const { rows: applied } = await sql<{ n: string }>`select count(*) as n from sim_cloud.applied_operations`.execute(database.owner);
    expect(Number(applied[0]!.n)).toBe(targets.length);

    const actions = await database.owner.selectFrom('actions').select('status').execute();
    expect(actions.map((action) => action.status)).toEqual(targets.map(() => 'success'));
    const completed = await database.owner.selectFrom('event_outbox_events').select('envelope').where('type', '=', 'action.completed').execute();
    const completedActions = completed.map((row) => (row.envelope as { data: { action_id: string } }).data.action_id);
    expect(completedActions.sort()).toEqual(operations.map((operation) => operation.action_id).sort());
  }, 240_000);
});
