/**
 * A service stopping while a large account syncs: the sync stops at its next batch instead of
 * holding the shutdown, and its job goes back to the queue with no attempt spent, for the next
 * worker to run whole. Real PostgreSQL and Redis.
 */
import { pino } from 'pino';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimAdapter, type CloudAdapter } from '@stratus/cloud';
import { createDb, type Database } from '@stratus/db';
import { outboxOf } from '@stratus/events';
import { createQueues, createRedisConnection, type Queues } from '@stratus/queues';
import { createTestDatabase, createTestRedis, eventually, type TestDatabase, type TestRedis } from '@stratus/testing';
import { generateKey, parseKeyring } from '@stratus/vault';
import type { SyncableAccount } from '../modules/discovery/discovery.service.ts';
import { discoveryWorker } from './discovery.worker.ts';

const FLEET = 10_000;
const logger = pino({ level: 'silent' });

let database: TestDatabase;
let redis: TestRedis;
let connection: ReturnType<typeof createRedisConnection>;
let queues: Queues;
let db: Kysely<Database>;
let account: SyncableAccount;

beforeAll(async () => {
  database = await createTestDatabase();
  redis = createTestRedis();
  connection = createRedisConnection(redis.url, { forWorker: true });
  queues = createQueues({ connection, prefix: redis.prefix });
  db = createDb({ url: database.url, role: 'stratus_ingestion', max: 4 });
  const organization = await database.owner.insertInto('organizations').values({ name: 'shutdown' }).returning('id').executeTakeFirstOrThrow();
  account = await database.owner
    .insertInto('cloud_accounts')
    .values({ organization_id: organization.id, name: 'sim', provider: 'AWS', account_id: '123456789012' })
    .returning(['id', 'organization_id', 'provider', 'account_id', 'status', 'settings'])
    .executeTakeFirstOrThrow();
}, 120_000);

afterAll(async () => {
  await queues?.close();
  connection?.disconnect();
  await redis?.cleanup();
  await db?.destroy();
  await database?.drop();
});

/** The account's inventory, a page every `pageMs`, deaf to any signal (as a provider call mid-flight is). */
function slowSim(pageMs: number, pagesServed: { count: number }) {
  return async (_trx: unknown, stored: SyncableAccount): Promise<CloudAdapter> => {
    const sim = createSimAdapter({ ...stored, settings: { sim: { seed: 'shutdown-test', resources: FLEET } } });
    return {
      ...sim,
      async *discover() {
        for await (const page of sim.discover()) {
          pagesServed.count += 1;
          yield page;
          await new Promise((resolve) => setTimeout(resolve, pageMs));
        }
      },
    };
  };
}

const storedResources = async () =>
  Number((await database.owner.selectFrom('resources').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

describe('the discovery worker stopping', () => {
  it('interrupts a running sync at its next batch and puts its job back without spending an attempt; the next worker syncs the account whole', async () => {
    const served = { count: 0 };
    const workerOf = (adapterFor: ReturnType<typeof slowSim>) =>
      discoveryWorker(
        { db, outbox: outboxOf('ingestion'), logger, redis: connection, config: { REDIS_PREFIX: redis.prefix } },
        { adapterFor },
        { keyring: parseKeyring(`k1:${generateKey()}`), maxBytes: 1, allowedNetworks: [] },
        2,
      );
    const first = workerOf(slowSim(1_000, served));
    await first.start();
    const job = await queues.enqueue('account.sync', { organization_id: account.organization_id, cloud_account_id: account.id, trigger: 'manual' });
    // Under way: its first batch is stored.
    await eventually(async () => expect(await storedResources()).toBeGreaterThan(0), { timeoutMs: 20_000 });

    const stopping = performance.now();
    await first.stop();
    // Without the interruption the stop would wait for the other pages, a second each.
    expect(performance.now() - stopping).toBeLessThan(2_500);
    expect(served.count).toBeLessThan(FLEET / 2_000);

    const back = await queues.queues.discovery.getJob(job.id!);
    expect(['delayed', 'waiting']).toContain(await back!.getState());
    expect(back!.attemptsMade).toBe(0);
    // Nothing is recorded against the account, and nothing the batches stored is removed.
    const interrupted = await database.owner.selectFrom('cloud_accounts').select(['status', 'last_sync', 'last_sync_error']).where('id', '=', account.id).executeTakeFirstOrThrow();
    expect(interrupted).toEqual({ status: 'connected', last_sync: null, last_sync_error: null });
    const kept = await storedResources();
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(FLEET);

    // The next worker (a replica, or this one restarted) runs the same job to the end.
    const next = workerOf(slowSim(0, { count: 0 }));
    await next.start();
    try {
      await eventually(async () => expect(await back!.getState()).toBe('completed'), { timeoutMs: 60_000 });
      expect(await storedResources()).toBe(FLEET);
      const synced = await database.owner.selectFrom('cloud_accounts').select(['status', 'last_sync_error']).where('id', '=', account.id).executeTakeFirstOrThrow();
      expect(synced).toEqual({ status: 'connected', last_sync_error: null });
    } finally {
      await next.stop();
    }
  });
});
