/**
 * BENCH_ACTIONS actions (10,000 by default) through the executor's whole path: action.requested
 * produced to Kafka as the recommendation service's relay produces it, and applied by the
 * executor's consumer as the service runs it (the consumer framework's runs, its settings; action
 * recorded, policy decided, operation row and history, jobs enqueued), then the operations worker
 * (account gate, adapter, the simulated cloud kept in PostgreSQL with its client token,
 * before/after/undo, history and action.completed in one transaction). Beside it, in the same run
 * and on the same Redis, a bare BullMQ no-op worker with the same concurrency on as many jobs, run
 * before the pipeline and again after it. Prints actions/s and p50/p99 from the request's produce
 * to its recorded end, the CPU time each path costs per item and by program, and the WAL the
 * pipeline writes per action. Each path first runs BENCH_WARMUP jobs or actions (1,000) that are
 * not measured: connections opened, code compiled.
 * Target: at least a quarter of the bare baseline's rate (the mean of its two runs). `scripts/bench.sh actions`; it creates
 * and drops its own database and topics, removes its Redis keys, and stops by itself. BENCH_SIM_MEMORY=1
 * keeps the simulated cloud in memory, to tell its storage's cost from the executor's.
 *
 * The organisation starts with BENCH_PAST_ACTIONS actions already done (100,000 by default, each
 * with its operation and four history rows), as an organisation that has used Stratus for a while
 * has: a statement that reads every action or operation of the organisation shows here.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { sql } from 'kysely';
import { bootstrapOrganization } from '@stratus/auth';
import { adapterResolver, createSimAdapter, pgSimStore, useSimStore } from '@stratus/cloud';
import { createDb } from '@stratus/db';
import { buildEvent, createConsumer, createIdempotentProducer, createKafkaClient, ensureTopics, toKafkaMessage, topicFor } from '@stratus/events';
import { createQueues, createRedisConnection, createWorker } from '@stratus/queues';
import { createLogger } from '@stratus/runtime';
import { copyLines, copyText, cpuPerItem, cpuSnapshot, createBenchDatabase, deleteKeysUnder, formatCpu, rate, testEnv, walWritten } from '@stratus/testing/bench';
import { generateKey, parseKeyring } from '@stratus/vault';
import { handlers } from '../src/app.ts';
import { env } from '../src/config.ts';
import { operationsHandlers } from '../src/jobs/operations.worker.ts';
import { createAccountGate } from '../src/modules/operations/account-gate.ts';

const ACTIONS = Number(process.env.BENCH_ACTIONS ?? 10_000);
const PAST_ACTIONS = Number(process.env.BENCH_PAST_ACTIONS ?? 100_000);
/** Jobs, then actions, run through each path before it is measured: a service's rate is the one it keeps once its connections are open and its code compiled. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1_000);
/** Jobs added at once to the baseline's queue. */
const REQUEST_CONCURRENCY = 32;
/** Jobs run at once by each worker, bare and executor alike: the executor's default (OPERATIONS_CONCURRENCY) unless BENCH_CONCURRENCY says. */
const WORKER_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? env.shape.OPERATIONS_CONCURRENCY.parse(undefined));
/** Requests produced to Kafka per send. */
const PRODUCE_BATCH = 500;
const DEADLINE_MS = 5 * 60_000;

const deadline = setTimeout(() => {
  console.error(`the benchmark did not finish within ${DEADLINE_MS / 60_000} minutes`);
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

function report(label: string, count: number, ms: number, latencies: number[]) {
  console.log(`${label.padEnd(34)} ${String(rate(count, ms)).padStart(7)} /s   p50 ${percentile(latencies, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(latencies, 99).toFixed(1).padStart(8)} ms`);
  return rate(count, ms);
}

/** Runs `count` items through `start`, at most `concurrency` at once. */
async function pool(count: number, concurrency: number, start: (index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await start(next++);
  }));
}

const prefix = `bench-actions-${process.pid}`;
const database = await createBenchDatabase('actions');
const owner = createDb({ url: database.url, max: 2 });
const executorDb = createDb({ url: database.url, role: 'stratus_action_executor' });
const connection = createRedisConnection(testEnv.redisUrl, { forWorker: true });
const logger = createLogger('actions-bench', 'warn', false);
const kafka = createKafkaClient({ clientId: 'stratus-bench', brokers: testEnv.kafkaBrokers, logger });
const admin = kafka.admin();
try {
  await admin.connect();
  await ensureTopics(admin, { prefix: `${prefix}.` });
  const { organization } = await bootstrapOrganization(owner, { organizationName: 'bench', adminEmail: 'admin@bench.test' });
  const settings = { sim: { seed: 'bench', resources: WARMUP + ACTIONS, operation_latency_ms: 0, failure_rate: 0 } };
  const account = await owner
    .insertInto('cloud_accounts')
    .values({ organization_id: organization.id, name: 'bench', provider: 'AWS', account_id: '123456789012', settings: JSON.stringify(settings) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const lines: string[] = [];
  for await (const page of createSimAdapter({ id: account.id, provider: 'AWS', account_id: '123456789012', settings }).discover()) {
    for (const resource of page) {
      const values = [organization.id, account.id, 'AWS', resource.provider_resource_id, resource.name, resource.type, resource.region, resource.zone, resource.state, JSON.stringify(resource.tags), JSON.stringify(resource.metadata)];
      lines.push(`${values.map(copyText).join('\t')}\n`);
    }
  }
  await copyLines(database.url, 'resources', ['organization_id', 'cloud_account_id', 'provider', 'provider_resource_id', 'name', 'type', 'region', 'zone', 'state', 'tags', 'metadata'], lines);
  const resources = await owner.selectFrom('resources').select('id').orderBy('id').execute();
  await sql`
    with past as (
      select gen_random_uuid() as action_id, gen_random_uuid() as operation_id, n,
             now() - make_interval(mins => ${PAST_ACTIONS}::int - n) as at
        from generate_series(1, ${PAST_ACTIONS}::int) as n
    ), target as (
      select p.*, r.id as resource_id from past p
        join (select id, row_number() over (order by id) - 1 as i from resources) r on r.i = p.n % ${resources.length}
    ), action as (
      insert into actions (id, organization_id, action_type, resource_id, parameters, status, created_at, updated_at)
      select action_id, ${organization.id}, 'tag', resource_id, '{"tags":{"past":"1"}}', 'success', at, at from target
    ), operation as (
      insert into operations (id, organization_id, action_id, resource_id, operation, params, status, attempts, result, created_at, updated_at)
      select operation_id, ${organization.id}, action_id, resource_id, 'tag', '{"tags":{"past":"1"}}', 'success', 1, '{}', at, at from target
    )
    insert into action_history (organization_id, action_id, status, executed_at, details)
    select ${organization.id}, action_id, status::action_status, at, status from target, unnest(array['pending', 'queued', 'running', 'success']) as status
  `.execute(owner);
  await sql`analyze`.execute(owner);
  console.log(`${resources.length} resources of a simulated AWS account, ${PAST_ACTIONS} actions done before; ${ACTIONS} tag actions measured after ${WARMUP} to warm up, one per resource; ${WORKER_CONCURRENCY} jobs at once per worker`);

  // The baseline: BullMQ alone, the same Redis, concurrency and number of jobs.
  const queue = new Queue('bench-noop', { connection, prefix });
  const noop = new Worker('bench-noop', async () => ({ ok: true }), { connection, prefix, concurrency: WORKER_CONCURRENCY });
  /** When each job was added, by id; the run under way. */
  const added = new Map<string, number>();
  let noopRun: { latencies: number[]; left: number; done: () => void } | undefined;
  noop.on('completed', (job) => {
    noopRun!.latencies.push(performance.now() - added.get(job.id!)!);
    if (--noopRun!.left === 0) noopRun!.done();
  });
  async function throughBullMQ(count: number, label: string) {
    const all = new Promise<void>((done) => (noopRun = { latencies: [], left: count, done }));
    const cpu = cpuSnapshot();
    const started = performance.now();
    await pool(count, REQUEST_CONCURRENCY, async (index) => {
      const id = `${label}-${index}`;
      added.set(id, performance.now());
      await queue.add('noop', { index }, { jobId: id, removeOnComplete: true });
    });
    await all;
    return { ms: performance.now() - started, latencies: noopRun!.latencies, cpu: cpuPerItem(cpu, count) };
  }
  await throughBullMQ(WARMUP, 'warmup');
  const bareBefore = await throughBullMQ(ACTIONS, 'before');
  const before = report('bare BullMQ no-op worker (before)', ACTIONS, bareBefore.ms, bareBefore.latencies);

  // The executor's path.
  if (!process.env.BENCH_SIM_MEMORY) useSimStore(pgSimStore(executorDb));
  const queues = createQueues({ connection, prefix });
  /** When each action's request was produced, by action id; the run under way. */
  const requested = new Map<string, number>();
  let actionRun: { endedAt: Map<string, number>; left: number; done: () => void } | undefined;
  const keyring = parseKeyring(`k1:${generateKey()}`);
  const executor = createWorker({
    queue: 'operations',
    connection,
    prefix,
    concurrency: WORKER_CONCURRENCY,
    logger,
    handlers: operationsHandlers({
      db: executorDb,
      logger,
      gate: createAccountGate({ redis: connection, prefix, concurrency: WORKER_CONCURRENCY, perSecond: 1_000_000 }),
      adapterFor: adapterResolver(keyring),
    }),
  });
  executor.on('completed', (_job, outcome) => {
    if (outcome.status !== 'done') return;
    actionRun!.endedAt.set(outcome.operation_id as string, performance.now());
    if (--actionRun!.left === 0) actionRun!.done();
  });
  executor.on('failed', (job, error) => {
    if (error.name !== 'DelayedError') console.error(`operation ${job?.id} failed: ${error.message}`);
  });
  const consumer = createConsumer({ kafka, db: executorDb, groupId: `${prefix}.action-executor`, topicPrefix: `${prefix}.`, handlers: handlers(queues), logger, fromBeginning: true });
  await consumer.start();
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  /** One tag action per resource, requested through Kafka; resolves once every one has ended. */
  async function throughPipeline(targets: readonly { id: string }[]) {
    const endedAt = new Map<string, number>();
    const all = new Promise<void>((done) => (actionRun = { endedAt, left: targets.length, done }));
    const started = performance.now();
    for (let start = 0; start < targets.length; start += PRODUCE_BATCH) {
      const events = targets.slice(start, start + PRODUCE_BATCH).map((resource, offset) =>
        buildEvent('action.requested', {
          tenant: organization.id,
          data: { action_id: randomUUID(), action_type: 'tag', resource_id: resource.id, parameters: { tags: { bench: String(start + offset) } }, requires_approval: false },
        }),
      );
      const sentAt = performance.now();
      for (const { envelope } of events) requested.set(envelope.data.action_id, sentAt);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [{
          topic: topicFor(`${prefix}.`, 'action.requested'),
          messages: events.map(({ envelope, value, headers }) => toKafkaMessage({ id: envelope.id, type: envelope.type, version: envelope.version, key: envelope.subject, value, headers: { ...headers } })),
        }],
      });
    }
    await all;
    return { ms: performance.now() - started, endedAt };
  }
  await throughPipeline(resources.slice(0, WARMUP));
  const walBefore = await walWritten(owner);
  const cpu = cpuSnapshot();
  const measured = await throughPipeline(resources.slice(WARMUP));
  const pipelineCpu = cpuPerItem(cpu, ACTIONS);
  const walAfter = await walWritten(owner);
  // The job knows its operation, the request its action: the database ties them.
  const operations = await owner.selectFrom('operations').select(['id', 'action_id']).where('id', 'in', [...measured.endedAt.keys()]).execute();
  const actionOf = new Map(operations.map((operation) => [operation.id, operation.action_id!]));
  const actionLatencies = [...measured.endedAt].map(([operationId, at]) => at - requested.get(actionOf.get(operationId)!)!);
  const pipeline = report('request -> policy -> queue -> sim -> history', ACTIONS, measured.ms, actionLatencies);
  await producer.disconnect();
  await consumer.stop();
  await executor.close();
  await queues.close();
  const histories = await owner.selectFrom('action_history').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  console.log(`${Number(histories.n) - 4 * (PAST_ACTIONS + WARMUP)} history rows of the measured actions (4 per action: pending, queued, running, success)`);
  // The baseline again: the machine's speed drifts during a run, and the ratio is taken against both.
  const bareAfter = await throughBullMQ(ACTIONS, 'after');
  const after = report('bare BullMQ no-op worker (after)', ACTIONS, bareAfter.ms, bareAfter.latencies);
  await noop.close();
  await queue.obliterate({ force: true });
  await queue.close();
  console.log(`CPU per job, bare BullMQ:    ${formatCpu(bareBefore.cpu)}`);
  console.log(`CPU per action, pipeline:    ${formatCpu(pipelineCpu)}`);
  console.log(`PostgreSQL WAL per action:   ${((walAfter.records - walBefore.records) / ACTIONS).toFixed(1)} records, ${Math.round((walAfter.bytes - walBefore.bytes) / ACTIONS)} bytes`);
  console.log(`pipeline / baseline: ${(pipeline / ((before + after) / 2)).toFixed(2)} (target >= 0.25; the baseline is the mean of its two runs)`);
} finally {
  useSimStore(undefined);
  await executorDb.destroy();
  await owner.destroy();
  await deleteKeysUnder(connection, prefix);
  connection.disconnect();
  await admin.deleteTopics({ topics: (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`)) }).catch(() => undefined);
  await admin.disconnect();
  await database.drop();
}
