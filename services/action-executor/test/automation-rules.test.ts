/**
 * Automation rules end to end on the real Kafka, PostgreSQL and Redis: a rule `env=dev AND type=vm`
 * with a cron gets a BullMQ job scheduler; the job the scheduler placed for the next tick is
 * promoted (time is driven by the job, not by waiting for the tick), the automation worker runs
 * the rule, its action.requested events go through the executor's consumer and policy, and the
 * operations worker stops exactly the matching VMs in the simulated cloud. A redelivered tick
 * requests nothing twice; a run past max_resources requests nothing; a lost scheduler comes back.
 */
import type { Job, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization } from '@stratus/auth';
import { adapterResolver, createSimAdapter, pgSimStore, useSimStore, type DiscoveredResource } from '@stratus/cloud';
import { loadConfig, type ServiceEnv } from '@stratus/config';
import * as events from '@stratus/events';
import { createConsumer, topicFor, type EventConsumer } from '@stratus/events';
import { createWorker } from '@stratus/queues';
import { buildServiceApp, closeDependencies, createLogger, openDependencies, type ServiceDeps } from '@stratus/runtime';
import { createTestRedis, eventually, openBackbone, readTopics, testEnv, type Backbone, type KafkaReader, type TestRedis } from '@stratus/testing';
import { generateKey } from '@stratus/vault';
import { handlers, service } from '../src/app.ts';
import type { env } from '../src/config.ts';
import { automationRuleRunJob } from '../src/jobs/automation-rule-run.job.ts';
import { syncRuleSchedulers } from '../src/jobs/automation-rules.scheduler-sync.ts';
import { automationHandlers } from '../src/jobs/automation.worker.ts';
import { operationsHandlers } from '../src/jobs/operations.worker.ts';
import { createAccountGate } from '../src/modules/operations/account-gate.ts';
import { schedulerIdOf } from '../src/modules/automation-rules/automation-rules.service.ts';
import { linkSimAccount, type SimAccount } from './executor-app.ts';

const logger = createLogger('automation-rules-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);

let backbone: Backbone<typeof logger>;
let redis: TestRedis;
let deps: ServiceDeps<ReturnType<typeof env.parse> & ServiceEnv>;
let app: FastifyInstance;
let consumer: EventConsumer;
let reader: KafkaReader;
const workers: Worker[] = [];
let organizationId: string;
let token: string;
let account: SimAccount;

beforeAll(async () => {
  backbone = await openBackbone(events, { partitions: 1 });
  const { database, kafka } = backbone;
  const tenant = await bootstrapOrganization(database.owner, { organizationName: 'Rules', adminEmail: 'admin@rules.test' });
  organizationId = tenant.organization.id;
  token = tenant.token.token;
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
  useSimStore(pgSimStore(deps.db));
  app = await buildServiceApp(service, deps, {});
  await app.ready();
  account = await linkSimAccount(database.owner, organizationId, {}, 120);

  consumer = createConsumer({ kafka: kafka.kafka, db: deps.db, groupId: `${kafka.prefix}stratus-action-executor`, topicPrefix: kafka.prefix, handlers: handlers(deps.queues), logger, fromBeginning: true });
  await consumer.start();
  reader = await readTopics(kafka.kafka, [topicFor(kafka.prefix, 'automation_rule.run_finished')]);
  await backbone.startRelay('action-executor', logger);
  const gate = createAccountGate({ redis: deps.redis, prefix: redis.prefix, concurrency: 8, perSecond: 200 });
  workers.push(
    createWorker({ queue: 'operations', connection: deps.redis, prefix: redis.prefix, concurrency: 8, logger, handlers: operationsHandlers({ db: deps.db, logger, gate, adapterFor: adapterResolver(config.CREDENTIALS_KEYS) }) }),
    createWorker({ queue: 'automation', connection: deps.redis, prefix: redis.prefix, concurrency: 2, logger, handlers: automationHandlers(deps) }),
  );
}, 120_000);

afterAll(async () => {
  for (const worker of workers) await worker.close();
  await reader?.stop();
  await consumer?.stop();
  await app?.close();
  useSimStore(undefined);
  if (deps) await closeDependencies(deps);
  await redis?.cleanup();
  await backbone?.close();
});

async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
  const response = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as string }) });
  return { status: response.statusCode, body: response.body ? response.json() : undefined };
}

async function simVms(): Promise<DiscoveredResource[]> {
  const discovered: DiscoveredResource[] = [];
  for await (const page of createSimAdapter(account.ref).discover()) discovered.push(...page);
  return discovered.filter((resource) => resource.type === 'vm');
}

const isDevVm = (resource: { type: string; tags: Record<string, string> }) => resource.type === 'vm' && resource.tags.env === 'dev';

describe('an automation rule env=dev AND type=vm on a cron', () => {
  let ruleId: string;
  let tick: number;

  it('is created with its job scheduler, and previews the dev VMs without acting', async () => {
    const created = await call('POST', '/v1/automation-rules', {
      name: 'stop dev VMs in the evening',
      match: 'env=dev AND type=vm',
      action: 'stop',
      cron: '0 19 * * 1-5',
      timezone: 'Europe/Paris',
      max_resources: 500,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ruleId = created.body.id;
    expect(created.body).toMatchObject({ status: 'enabled', parameters: {}, max_resources: 500 });
    expect(created.body.next_runs).toHaveLength(3);

    const scheduler = await deps.queues.queues.automation.getJobScheduler(schedulerIdOf(ruleId));
    expect(scheduler).toMatchObject({ pattern: '0 19 * * 1-5', tz: 'Europe/Paris' });
    tick = Number(scheduler!.next);
    expect(new Date(tick).toISOString()).toBe(created.body.next_runs[0]);

    const devVms = account.resources.filter(isDevVm);
    expect(devVms.length).toBeGreaterThan(2);
    expect(account.resources.length - devVms.length).toBeGreaterThan(10);
    const preview = await call('GET', `/v1/automation-rules/${ruleId}/preview?limit=2`);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ match: 'env = dev AND type = vm', count: devVms.length });
    expect(preview.body.items).toHaveLength(2);
    expect(preview.body.next_cursor).not.toBeNull();
    expect((await backbone.database.owner.selectFrom('actions').select('id').execute())).toHaveLength(0);
  });

  it('at its tick stops exactly the dev VMs, records the run and announces it', async () => {
    const before = await simVms();
    const running = before.filter((vm) => vm.state === 'running');
    expect(running.filter(isDevVm).length).toBeGreaterThan(0);

    // The scheduler's own job for the tick, run now rather than at 19:00 in Paris.
    const job = await deps.queues.queues.automation.getJob(`repeat:${schedulerIdOf(ruleId)}:${tick}`);
    expect(job, 'the job the scheduler placed for the next tick').toBeDefined();
    await job!.promote();

    const expectedIds = account.resources.filter(isDevVm).map((resource) => resource.id).sort();
    const run = await eventually(async () => {
      const row = await backbone.database.owner.selectFrom('automation_rule_runs').selectAll().where('rule_id', '=', ruleId).executeTakeFirst();
      expect(row?.status).toBe('success');
      return row!;
    });
    expect(run.scheduled_for?.getTime()).toBe(tick);
    expect(run.details).toMatchObject({ trigger: 'schedule', matched: expectedIds.length, actions_requested: expectedIds.length });

    await eventually(
      async () => {
        const operations = await backbone.database.owner.selectFrom('operations').select(['resource_id', 'status', 'operation']).execute();
        expect(operations.map((operation) => operation.resource_id).sort()).toEqual(expectedIds);
        expect(operations.every((operation) => operation.status === 'success' && operation.operation === 'stop')).toBe(true);
      },
      { timeoutMs: 60_000 },
    );
    const after = new Map((await simVms()).map((vm) => [vm.provider_resource_id, vm.state]));
    for (const vm of before) {
      expect(after.get(vm.provider_resource_id), `${vm.name} ${JSON.stringify(vm.tags)}`).toBe(isDevVm(vm) ? 'stopped' : vm.state);
    }

    const announced = await eventually(() => {
      const message = reader.messages.map((candidate) => JSON.parse(String(candidate.message.value)) as { data: { run_id: string } }).find((event) => event.data.run_id === run.id);
      expect(message).toBeDefined();
      return message!;
    });
    expect(announced).toMatchObject({ type: 'automation_rule.run_finished', subject: ruleId, data: { status: 'success', matched: expectedIds.length, scheduled_for: new Date(tick).toISOString() } });

    const runs = await call('GET', `/v1/automation-rules/${ruleId}/runs`);
    expect(runs.body.items).toHaveLength(1);
    expect(runs.body.items[0]).toMatchObject({ id: run.id, status: 'success', details: { matched: expectedIds.length } });
  });

  it('requests nothing twice when the tick is delivered again', async () => {
    const redelivered = { id: `repeat:${schedulerIdOf(ruleId)}:${tick}`, repeatJobKey: schedulerIdOf(ruleId), opts: { attempts: 3 }, attemptsMade: 0 } as unknown as Job;
    const outcome = await automationRuleRunJob(deps)({ rule_id: ruleId, organization_id: organizationId }, redelivered);
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(await backbone.database.owner.selectFrom('automation_rule_runs').select('id').where('rule_id', '=', ruleId).execute()).toHaveLength(1);
    expect(await backbone.database.owner.selectFrom('actions').select('id').execute()).toHaveLength(account.resources.filter(isDevVm).length);
  });

  it('requests nothing when a run matches more than max_resources (blast_radius)', async () => {
    const changed = await call('PATCH', `/v1/automation-rules/${ruleId}`, { max_resources: 1 });
    expect(changed.status).toBe(200);
    const actionsBefore = await backbone.database.owner.selectFrom('actions').select('id').execute();
    const run = await call('POST', `/v1/automation-rules/${ruleId}/run`);
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ status: 'error', scheduled_for: null, details: { trigger: 'manual', reason: 'blast_radius', matched: account.resources.filter(isDevVm).length, actions_requested: 0 } });
    expect(await backbone.database.owner.selectFrom('actions').select('id').execute()).toHaveLength(actionsBefore.length);
  });

  it('refuses a bad match, action parameters or schedule with a 400 naming the field', async () => {
    const base = { name: 'bad', action: 'stop', match: 'env=dev', cron: '0 19 * * *' };
    const badMatch = await call('POST', '/v1/automation-rules', { ...base, match: 'env=' });
    expect(badMatch).toMatchObject({ status: 400, body: { message: "body.match: at 4: expected a value after '=', found end of input" } });
    expect((await call('POST', '/v1/automation-rules/preview', { match: 'env=dev type=vm' })).body.message).toBe("body.match: at 8: expected AND, OR or end of input, found 'type'");
    expect((await call('POST', '/v1/automation-rules', { ...base, action: 'scale' })).body.message).toMatch(/^body\.parameters\.size: /);
    expect((await call('POST', '/v1/automation-rules', { ...base, cron: '0 19 * *' })).body.message).toMatch(/^body\.cron: invalid cron pattern/);
    expect((await call('POST', '/v1/automation-rules', { ...base, timezone: 'Mars/Olympus' })).body.message).toMatch(/^body\.timezone: unknown time zone/);
    expect((await call('PATCH', `/v1/automation-rules/${ruleId}`, { match: 'NOT' })).body.message).toMatch(/^body\.match: at 3: expected a condition/);
  });

  it('puts back a scheduler Redis lost, and removes it when the rule is disabled or deleted', async () => {
    await deps.queues.unschedule('automation', schedulerIdOf(ruleId));
    expect(await syncRuleSchedulers(deps.db, deps.queues)).toEqual({ enabled: 1, restored: 1, removed: 0 });
    expect(await deps.queues.schedulerIds('automation')).toEqual([schedulerIdOf(ruleId)]);

    expect((await call('PATCH', `/v1/automation-rules/${ruleId}`, { status: 'disabled' })).body).toMatchObject({ status: 'disabled', next_runs: [] });
    expect(await deps.queues.schedulerIds('automation')).toEqual([]);
    expect((await call('PATCH', `/v1/automation-rules/${ruleId}`, { status: 'enabled' })).status).toBe(200);
    expect(await deps.queues.schedulerIds('automation')).toEqual([schedulerIdOf(ruleId)]);

    expect((await call('DELETE', `/v1/automation-rules/${ruleId}`)).status).toBe(204);
    expect(await deps.queues.schedulerIds('automation')).toEqual([]);
    expect((await call('GET', `/v1/automation-rules/${ruleId}`)).status).toBe(404);
  });
});
