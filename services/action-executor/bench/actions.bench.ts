/**
 * BENCH_ACTIONS actions (10,000 by default) through the executor's whole path: the request as its
 * consumer applies action.requested (action recorded, policy decided, operation row and history,
 * job enqueued), the operations worker (account gate, adapter, the simulated cloud kept in
 * PostgreSQL with its client token, before/after/undo, history and action.completed in one
 * transaction). Beside it, in the same run and on the same Redis, a bare BullMQ no-op worker with
 * the same concurrency on as many jobs. Prints actions/s and p50/p99 from request to recorded end.
 * Target: at least a quarter of the bare baseline's rate. `scripts/bench.sh actions`; it creates
 * and drops its own database, removes its Redis keys, and stops by itself. BENCH_SIM_MEMORY=1
 * keeps the simulated cloud in memory, to tell its storage's cost from the executor's.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { bootstrapOrganization } from '@stratus/auth';
import { adapterResolver, createSimAdapter, pgSimStore, useSimStore } from '@stratus/cloud';
import { createDb, withTenant } from '@stratus/db';
import { buildEvent } from '@stratus/events';
import { createQueues, createRedisConnection, createWorker } from '@stratus/queues';
import { createLogger } from '@stratus/runtime';
import { copyLines, copyText, createBenchDatabase, rate, testEnv } from '@stratus/testing/bench';
import { generateKey, parseKeyring } from '@stratus/vault';
import { handlers } from '../src/app.ts';
import { operationsHandlers } from '../src/jobs/operations.worker.ts';
import { createAccountGate } from '../src/modules/operations/account-gate.ts';

const ACTIONS = Number(process.env.BENCH_ACTIONS ?? 10_000);
/** Requests applied at once (a consumer applies its partitions in parallel), and jobs run at once by the worker. */
const REQUEST_CONCURRENCY = 32;
const WORKER_CONCURRENCY = 32;
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
const executorDb = createDb({ url: database.url, role: 'stratus_action_executor', max: 40 });
const connection = createRedisConnection(testEnv.redisUrl, { forWorker: true });
const logger = createLogger('actions-bench', 'warn', false);
try {
  const { organization } = await bootstrapOrganization(owner, { organizationName: 'bench', adminEmail: 'admin@bench.test' });
  const settings = { sim: { seed: 'bench', resources: ACTIONS, operation_latency_ms: 0, failure_rate: 0 } };
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
  console.log(`${resources.length} resources of a simulated AWS account; ${ACTIONS} tag actions, one per resource`);

  // The baseline: BullMQ alone, the same Redis, concurrency and number of jobs.
  {
    const queue = new Queue('bench-noop', { connection, prefix });
    const added = new Map<string, number>();
    const latencies: number[] = [];
    let done = 0;
    let finished!: () => void;
    const all = new Promise<void>((resolve) => (finished = resolve));
    const worker = new Worker('bench-noop', async () => ({ ok: true }), { connection, prefix, concurrency: WORKER_CONCURRENCY });
    worker.on('completed', (job) => {
      latencies.push(performance.now() - added.get(job.id!)!);
      if (++done === ACTIONS) finished();
    });
    const started = performance.now();
    await pool(ACTIONS, REQUEST_CONCURRENCY, async (index) => {
      const id = `noop-${index}`;
      added.set(id, performance.now());
      await queue.add('noop', { index }, { jobId: id, removeOnComplete: true });
    });
    await all;
    const baseline = report('bare BullMQ no-op worker', ACTIONS, performance.now() - started, latencies);
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();

    // The executor's path.
    if (!process.env.BENCH_SIM_MEMORY) useSimStore(pgSimStore(executorDb));
    const queues = createQueues({ connection, prefix });
    const requested = new Map<string, number>();
    const actionLatencies: number[] = [];
    let ended = 0;
    let allEnded!: () => void;
    const everything = new Promise<void>((resolve) => (allEnded = resolve));
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
      actionLatencies.push(performance.now() - requested.get(outcome.operation_id as string)!);
      if (++ended === ACTIONS) allEnded();
    });
    executor.on('failed', (job, error) => {
      if (error.name !== 'DelayedError') console.error(`operation ${job?.id} failed: ${error.message}`);
    });
    const apply = handlers(queues)['action.requested'];
    const startedAt = new Map<string, number>();
    const begun = performance.now();
    await pool(ACTIONS, REQUEST_CONCURRENCY, async (index) => {
      const event = buildEvent('action.requested', {
        tenant: organization.id,
        data: { action_id: randomUUID(), action_type: 'tag', resource_id: resources[index]!.id, parameters: { tags: { bench: String(index) } }, requires_approval: false },
      }).envelope;
      startedAt.set(event.data.action_id, performance.now());
      await withTenant(executorDb, organization.id, async (trx) => {
        await apply(event, trx);
        // The operation's id is known once recorded, in the same transaction; the request's clock started before.
        const operation = await trx.selectFrom('operations').select('id').where('action_id', '=', event.data.action_id).executeTakeFirstOrThrow();
        requested.set(operation.id, startedAt.get(event.data.action_id)!);
      });
    });
    await everything;
    const pipeline = report('request -> policy -> queue -> sim -> history', ACTIONS, performance.now() - begun, actionLatencies);
    await executor.close();
    await queues.close();
    const histories = await owner.selectFrom('action_history').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    console.log(`${histories.n} history rows (4 per action: pending, queued, running, success)`);
    console.log(`pipeline / baseline: ${(pipeline / baseline).toFixed(2)} (target >= 0.25)`);
  }
} finally {
  useSimStore(undefined);
  await executorDb.destroy();
  await owner.destroy();
  let cursor = '0';
  do {
    const [next, keys] = await connection.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await connection.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  connection.disconnect();
  await database.drop();
}
