/**
 * Approvals end to end on the real Kafka, PostgreSQL and Redis: applying a recommendation on an
 * env=prod VM publishes action.requested (recommendation service, outbox, relay, Kafka); the
 * executor's action.requested consumer holds it for approval and approval.requested reaches Kafka; an approval
 * releases it (approved, then queued); another one, unanswered, expires: action.failed reaches the
 * recommendation service, whose recommendation becomes failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { bootstrapOrganization } from '@stratus/auth';
import { loadConfig, type ServiceEnv } from '@stratus/config';
import { createDb, withTenant } from '@stratus/db';
import * as events from '@stratus/events';
import { createConsumer, topicFor, type EventConsumer } from '@stratus/events';
import { buildServiceApp, closeDependencies, createLogger, openDependencies, type ServiceDeps } from '@stratus/runtime';
import { generateKey } from '@stratus/vault';
import { createTestRedis, eventually, openBackbone, readTopics, testEnv, type Backbone, type KafkaReader, type TestRedis } from '@stratus/testing';
import { actionFailed } from '../../recommendation/src/consumers/action-failed.consumer.ts';
import { evaluateAccount } from '../../recommendation/src/modules/recommendations/evaluation.service.ts';
import { applyRecommendation } from '../../recommendation/src/modules/recommendations/transitions.service.ts';
import { service } from '../src/app.ts';
import { actionRequested } from '../src/consumers/action-requested.consumer.ts';
import type { env } from '../src/config.ts';
import { expireApprovals } from '../src/modules/approvals/approvals.service.ts';
import { addAccount, addUser } from '../src/test-support.ts';

const logger = createLogger('approvals-flow-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);

let backbone: Backbone<typeof logger> | undefined;
let redis: TestRedis;
let deps: ServiceDeps<ReturnType<typeof env.parse> & ServiceEnv>;
let app: FastifyInstance;
let recommendationDb: ReturnType<typeof createDb>;
const consumers: EventConsumer[] = [];
let reader: KafkaReader;
let organizationId: string;
let adminToken: string;
let adminId: string;
let accountId: string;
const users: Record<'requester' | 'alice', { id: string; token: string }> = {} as never;

/** What exec's action-requested consumer does (contract of issue #14), until its code is merged. */

beforeAll(async () => {
  backbone = await openBackbone(events, { partitions: 1 });
  const { database, kafka } = backbone;
  const bootstrapped = await bootstrapOrganization(database.owner, { organizationName: 'Flow', adminEmail: 'admin@flow.test' });
  organizationId = bootstrapped.organization.id;
  adminToken = bootstrapped.token.token;
  adminId = bootstrapped.user.id;
  const t = { database, organizationId };
  users.requester = await addUser(t, 'requester@flow.test', 'operator');
  users.alice = await addUser(t, 'alice@flow.test', 'admin');
  accountId = await addAccount(t);

  redis = createTestRedis();
  const config = loadConfig(service.env, {
    DATABASE_URL: database.url,
    REDIS_URL: testEnv.redisUrl,
    REDIS_PREFIX: redis.prefix,
    KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: kafka.prefix,
    CREDENTIALS_KEYS: `k1:${generateKey()}`,
  });
  deps = openDependencies('action-executor', config, logger);
  app = await buildServiceApp(service, deps, {});
  await app.ready();
  recommendationDb = createDb({ url: database.url, role: 'stratus_recommendation', max: 3 });

  const consumerOf = (db: typeof recommendationDb, group: string, handlers: events.EventHandlers) =>
    createConsumer({ kafka: kafka.kafka, db, groupId: `${kafka.prefix}${group}`, topicPrefix: kafka.prefix, handlers, logger, fromBeginning: true, retryBackoffMs: 20, maxAttempts: 3 });
  consumers.push(consumerOf(deps.db, 'stratus-action-executor', { 'action.requested': actionRequested(deps.queues) }));
  consumers.push(consumerOf(recommendationDb, 'stratus-recommendation', { 'action.failed': actionFailed }));
  for (const consumer of consumers) await consumer.start();
  reader = await readTopics(kafka.kafka, [topicFor(kafka.prefix, 'approval.requested')]);
  await backbone.startRelay('recommendation', logger);
  await backbone.startRelay('action-executor', logger);

  const policy = await call('PUT', '/v1/action-policy', adminToken, { rules: [{ name: 'prod is reviewed', effect: 'require_approval', when: { tags: { env: 'prod' } } }] });
  expect(policy.statusCode).toBe(200);
}, 120_000);

afterAll(async () => {
  await reader?.stop();
  for (const consumer of consumers) await consumer.stop();
  await app?.close();
  if (deps) await closeDependencies(deps);
  await recommendationDb?.destroy();
  await redis?.cleanup();
  await backbone?.close();
});

function call(method: 'GET' | 'PUT' | 'POST', url: string, token: string, body?: unknown) {
  return app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as string }) });
}

/** An idle VM tagged env=prod, its idle_vm recommendation, applied by the requester: the action's id. */
async function applyIdleProdVm(name: string): Promise<{ actionId: string; recommendationId: string }> {
  const { database } = backbone!;
  await database.owner
    .insertInto('resources')
    .values({
      organization_id: organizationId,
      cloud_account_id: accountId,
      provider: 'AWS',
      provider_resource_id: name,
      name,
      type: 'vm',
      state: 'running',
      tags: JSON.stringify({ env: 'prod' }),
      metadata: JSON.stringify({
        provider_type: 'AWS::EC2::Instance',
        instance_type: 'm5.xlarge',
        vcpus: 4,
        memory_gb: 16,
        list_price_hourly: '0.192',
        currency: 'USD',
        created_at: '2025-01-01T00:00:00.000Z',
        utilization: { window_days: 30, cpu_avg: 1, cpu_p95: 3, memory_avg: 20, network_bytes_per_day: 1000 },
      }),
    })
    .execute();
  await evaluateAccount(recommendationDb, organizationId, accountId, new Date());
  return withTenant(recommendationDb, organizationId, async (trx) => {
    const recommendation = await trx
      .selectFrom('recommendations')
      .innerJoin('resources', 'resources.id', 'recommendations.resource_id')
      .select(['recommendations.id', 'recommendations.version'])
      .where('resources.name', '=', name)
      .where('recommendations.recommendation_type', '=', 'idle_vm')
      .executeTakeFirstOrThrow();
    const applied = await applyRecommendation(trx, recommendation.id, { etag: String(recommendation.version) }, { userId: users.requester.id });
    return { actionId: applied.action_id, recommendationId: recommendation.id };
  });
}

async function actionStatus(actionId: string) {
  const row = await backbone!.database.owner.selectFrom('actions').select('status').where('id', '=', actionId).executeTakeFirst();
  return row?.status;
}

describe('an action on an env=prod resource', () => {
  it('waits for approval, asks the approvers over Kafka, and is released once approved', async () => {
    const { actionId } = await applyIdleProdVm('i-prod-web');
    await eventually(async () => expect(await actionStatus(actionId)).toBe('awaiting_approval'), { timeoutMs: 60_000 });
    await eventually(
      async () => {
        const asked = reader.messages.map((message) => JSON.parse(String(message.message.value)) as { data: { action_id: string; approver_ids: string[] } }).find((event) => event.data.action_id === actionId);
        expect(asked?.data.approver_ids.sort()).toEqual([adminId, users.alice.id].sort());
      },
      { timeoutMs: 60_000 },
    );
    const review = (await call('GET', `/v1/actions/${actionId}/approval`, users.alice.token)).json() as { digest: string };
    const approved = await call('POST', `/v1/actions/${actionId}/approve`, users.alice.token, { digest: review.digest, comment: 'idle for a month' });
    expect(approved.json()).toEqual({ action_status: 'queued', approved: 1, quorum: 1 });
    expect(await actionStatus(actionId)).toBe('queued');
  });

  it('expires without an approval: action.failed reaches the recommendation, which fails', async () => {
    const { actionId, recommendationId } = await applyIdleProdVm('i-prod-batch');
    await eventually(async () => expect(await actionStatus(actionId)).toBe('awaiting_approval'), { timeoutMs: 60_000 });
    expect((await expireApprovals(deps.db, new Date(Date.now() + 73 * 3_600_000))).expired).toBe(1);
    expect(await actionStatus(actionId)).toBe('expired');
    await eventually(
      async () => {
        const recommendation = await backbone!.database.owner.selectFrom('recommendations').select('status').where('id', '=', recommendationId).executeTakeFirstOrThrow();
        expect(recommendation.status).toBe('failed');
      },
      { timeoutMs: 60_000 },
    );
  });
});

