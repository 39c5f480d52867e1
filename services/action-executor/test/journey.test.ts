/**
 * The journey end to end on the real Kafka, PostgreSQL and Redis: an idle-VM recommendation is
 * applied (the recommendation service's transition and its outbox event), the executor's
 * consumer records the action and queues its operation, the operations worker stops the VM in the
 * simulated cloud (kept in PostgreSQL), action.completed makes the recommendation succeeded, and
 * ingestion's next sync sees the VM stopped. Then an operation the sim fails lands failed and a
 * replay succeeds, applied exactly once.
 */
import type { Worker } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization } from '@stratus/auth';
import { adapterResolver, pgSimStore, useSimStore } from '@stratus/cloud';
import { createDb, withTenant } from '@stratus/db';
import * as events from '@stratus/events';
import { createConsumer, outboxOf, type EventConsumer } from '@stratus/events';
import { createQueues, createRedisConnection, createWorker, type Queues } from '@stratus/queues';
import { createLogger } from '@stratus/runtime';
import { createTestRedis, eventually, openBackbone, type Backbone, type TestRedis } from '@stratus/testing';
import { generateKey, parseKeyring } from '@stratus/vault';
import type { Redis } from 'ioredis';
import { syncAccount } from '../../ingestion/src/modules/discovery/discovery.service.ts';
import { handlers as recommendationHandlers } from '../../recommendation/src/app.ts';
import { evaluateAccount } from '../../recommendation/src/modules/recommendations/evaluation.service.ts';
import { applyRecommendation, etagOf } from '../../recommendation/src/modules/recommendations/transitions.service.ts';
import { handlers as executorHandlers } from '../src/app.ts';
import { operationsHandlers } from '../src/jobs/operations.worker.ts';
import { enqueueOperations } from '../src/modules/actions/actions.service.ts';
import { createAccountGate } from '../src/modules/operations/account-gate.ts';
import { replayFailed } from '../src/modules/replay/replay.service.ts';

const logger = createLogger('journey-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);
type Logger = typeof logger;
const keyring = parseKeyring(`k1:${generateKey()}`);

let backbone: Backbone<Logger>;
let redis: TestRedis;
let connection: Redis;
let queues: Queues;
let worker: Worker;
const consumers: EventConsumer[] = [];
const dbs: ReturnType<typeof createDb>[] = [];
let organizationId: string;
let userId: string;
let accountId: string;

function roleDb(role: Parameters<typeof createDb>[0]['role']) {
  const db = createDb({ url: backbone.database.url, role, max: 4 });
  dbs.push(db);
  return db;
}

beforeAll(async () => {
  backbone = await openBackbone(events, { partitions: 1 });
  redis = createTestRedis();
  connection = createRedisConnection(redis.url, { forWorker: true });
  queues = createQueues({ connection, prefix: redis.prefix });
  const tenant = await bootstrapOrganization(backbone.database.owner, { organizationName: 'Journey', adminEmail: 'admin@journey.test' });
  organizationId = tenant.organization.id;
  userId = tenant.user.id;
  useSimStore(pgSimStore(roleDb('stratus_action_executor')));
  const settings = { sim: { seed: 'journey', resources: 600, operation_latency_ms: 0, failure_rate: 0 } };
  accountId = (
    await backbone.database.owner
      .insertInto('cloud_accounts')
      .values({ organization_id: organizationId, name: 'Journey', provider: 'AWS', account_id: '123456789012', settings: JSON.stringify(settings) })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;

  const kafka = backbone.kafka;
  for (const [service, role, handlers] of [
    ['action-executor', 'stratus_action_executor', executorHandlers(queues)],
    ['recommendation', 'stratus_recommendation', recommendationHandlers(queues)],
  ] as const) {
    const consumer = createConsumer({ kafka: kafka.kafka, db: roleDb(role), groupId: `${kafka.prefix}stratus-${service}`, topicPrefix: kafka.prefix, handlers, logger, fromBeginning: true });
    await consumer.start();
    consumers.push(consumer);
  }
  await backbone.startRelay('recommendation', logger);
  await backbone.startRelay('action-executor', logger);
  worker = createWorker({
    queue: 'operations',
    connection,
    prefix: redis.prefix,
    concurrency: 4,
    logger,
    handlers: operationsHandlers({
        db: roleDb('stratus_action_executor'),
        logger,
        gate: createAccountGate({ redis: connection, prefix: redis.prefix, concurrency: 4, perSecond: 50 }),
        adapterFor: adapterResolver(keyring),
    }),
  });
}, 120_000);

afterAll(async () => {
  await worker?.close();
  for (const consumer of consumers) await consumer.stop();
  useSimStore(undefined);
  await queues?.close();
  connection?.disconnect();
  await redis?.cleanup();
  for (const db of dbs) await db.destroy();
  await backbone?.close();
});

const owner = () => backbone.database.owner;

function sync() {
  return syncAccount({ db: roleDb('stratus_ingestion'), outbox: outboxOf('ingestion'), logger, adapterFor: adapterResolver(keyring) }, { organization_id: organizationId, cloud_account_id: accountId });
}

async function setFailureRate(rate: number) {
  const settings = { sim: { seed: 'journey', resources: 600, operation_latency_ms: 0, failure_rate: rate } };
  await owner().updateTable('cloud_accounts').set({ settings: JSON.stringify(settings) }).where('id', '=', accountId).execute();
}

describe('an applied idle-VM recommendation', () => {
  it('stops the VM through the operations queue, succeeds the recommendation, and the next sync sees it stopped', async () => {
    await sync();
    await evaluateAccount(roleDb('stratus_recommendation'), organizationId, accountId, new Date());
    const recommendation = await owner()
      .selectFrom('recommendations')
      .select(['id', 'version', 'resource_id'])
      .where('recommendation_type', '=', 'idle_vm')
      .where('status', '=', 'open')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const vm = await owner().selectFrom('resources').select(['state']).where('id', '=', recommendation.resource_id!).executeTakeFirstOrThrow();
    expect(vm.state).toBe('running');

    const { action_id } = await withTenant(roleDb('stratus_recommendation'), organizationId, (trx) =>
      applyRecommendation(trx, recommendation.id, { etag: etagOf(recommendation) }, { userId }),
    );
    await eventually(
      async () => expect((await owner().selectFrom('recommendations').select('status').where('id', '=', recommendation.id).executeTakeFirstOrThrow()).status).toBe('succeeded'),
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const action = await owner().selectFrom('actions').select(['status', 'recommendation_id', 'action_type']).where('id', '=', action_id).executeTakeFirstOrThrow();
    expect(action).toEqual({ status: 'success', recommendation_id: recommendation.id, action_type: 'stop' });
    const operation = await owner().selectFrom('operations').select(['status', 'result']).where('action_id', '=', action_id).executeTakeFirstOrThrow();
    expect(operation).toMatchObject({ status: 'success', result: { before: { state: 'running' }, after: { state: 'stopped' } } });

    await sync();
    expect((await owner().selectFrom('resources').select('state').where('id', '=', recommendation.resource_id!).executeTakeFirstOrThrow()).state).toBe('stopped');
  }, 180_000);
});

describe('an operation the simulated cloud fails', () => {
  it('lands failed, and a replay once the failure clears succeeds, applied exactly once', async () => {
    const vm = await owner().selectFrom('resources').select(['id']).where('cloud_account_id', '=', accountId).where('type', '=', 'vm').where('state', '=', 'running').orderBy('id', 'desc').executeTakeFirstOrThrow();
    await setFailureRate(1);
    const executorDb = roleDb('stratus_action_executor');
    const envelope = await withTenant(executorDb, organizationId, (trx) =>
      outboxOf('action-executor').publish(trx, 'action.requested', {
        tenant: organizationId,
        data: { action_id: crypto.randomUUID(), action_type: 'stop', resource_id: vm.id, parameters: {}, requested_by: userId, requires_approval: false },
      }),
    );
    const actionId = envelope.data.action_id;
    await eventually(
      async () => {
        for (const job of await queues.queues.operations.getDelayed()) await job.promote().catch(() => undefined);
        expect((await owner().selectFrom('actions').select('status').where('id', '=', actionId).executeTakeFirst())?.status).toBe('error');
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const failed = await owner().selectFrom('operations').select(['id', 'attempts', 'result']).where('action_id', '=', actionId).executeTakeFirstOrThrow();
    expect(failed.attempts).toBeGreaterThanOrEqual(1);
    expect(failed.result).toMatchObject({ error: { message: expect.stringContaining(`stop`) } });

    await setFailureRate(0);
    const replay = await withTenant(executorDb, organizationId, (trx) => replayFailed(trx, { ids: [actionId], filters: {} }, { actor: userId, dry_run: false }));
    await enqueueOperations(queues, organizationId, replay.replayed.map((entry) => entry.operation_id!));
    await eventually(
      async () => expect((await owner().selectFrom('actions').select('status').where('id', '=', actionId).executeTakeFirstOrThrow()).status).toBe('success'),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const { rows } = await sql<{ client_token: string }>`select client_token from sim_cloud.applied_operations where client_token in (${failed.id}, ${replay.replayed[0]!.operation_id})`.execute(owner());
    expect(rows.map((row) => row.client_token)).toEqual([replay.replayed[0]!.operation_id]);
  }, 180_000);
});
