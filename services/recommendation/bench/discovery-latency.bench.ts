/**
 * Latency from discovery to recommendation: a simulated account of BENCH_RESOURCES resources (100k
 * by default) is synced by the ingestion service's discovery and outbox relay, while the
 * recommendation service runs in its own process as deploy/ runs it. For every resource that gets
 * a recommendation, the latency runs from its resource.discovered event (the time the sync wrote
 * it) to its recommendation.created event arriving on Kafka. Printed beside the baseline of the
 * same run: the same resource.discovered events' own path from the outbox to Kafka, which every
 * recommendation has to take first. Run it with `scripts/bench.sh discovery-latency`; it creates
 * and drops its own database and topics, and stops by itself.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { sql } from 'kysely';
import { createSimAdapter } from '@stratus/cloud';
import { createDb } from '@stratus/db';
import { createLogger } from '@stratus/runtime';
import { ensureTopics, outboxOf, topicFor } from '@stratus/events';
import { createBenchAccount, createBenchDatabase, deleteSharedKeysUnder, rate, startServiceProcess, testEnv, type ServiceProcess } from '@stratus/testing/bench';
import { ingestionRelay } from '../../ingestion/bench/ingestion-relay.ts';
import { syncAccount } from '../../ingestion/src/modules/discovery/discovery.service.ts';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 100_000);
const prefix = `bench-latency-${process.pid}.`;
const logger = createLogger('bench', 'warn', false);

const database = await createBenchDatabase('latency');
const { url } = database;
const kafka = new Kafka({ clientId: 'stratus-bench', brokers: testEnv.kafkaBrokers, logLevel: logLevel.NOTHING });
const kafkaAdmin = kafka.admin();
const reader = kafka.consumer({ groupId: `bench-reader-${randomUUID()}` });
const owner = createDb({ url, max: 2 });
const ingestionDb = createDb({ url, role: 'stratus_ingestion', max: 4 });
const relay = ingestionRelay(url, prefix, logger);
let recommendationService: ServiceProcess | undefined;

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 0.5).toFixed(0).padStart(6)} ms   p99 ${percentile(sorted, 0.99).toFixed(0).padStart(6)} ms   max ${percentile(sorted, 1).toFixed(0).padStart(6)} ms`;
};

try {
  await kafkaAdmin.connect();
  await ensureTopics(kafkaAdmin, { prefix, partitions: 6 });
  const account = await createBenchAccount(owner, { account_id: '123456789012', sim: { seed: 'latency', resources: RESOURCES } });
  const adapter = createSimAdapter({ ...account, settings: account.settings as Record<string, unknown> });

  // By resource: when the sync wrote its event, when that event was on Kafka, when its recommendation was.
  const discoveredAt = new Map<string, number>();
  const discoveredOnKafka = new Map<string, number>();
  /** One entry per recommendation.created: a resource may get several (two rules). */
  const createdOnKafka: { resource: string; at: number }[] = [];
  const discoveredTopic = topicFor(prefix, 'resource.discovered');
  await reader.connect();
  await reader.subscribe({ topics: [discoveredTopic, topicFor(prefix, 'recommendation.created')], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ topic, message }) => {
      const envelope = JSON.parse(message.value!.toString()) as { time: string; data: { resource?: { id: string }; resource_id?: string } };
      if (topic === discoveredTopic) {
        discoveredAt.set(envelope.data.resource!.id, Date.parse(envelope.time));
        discoveredOnKafka.set(envelope.data.resource!.id, Number(message.timestamp));
      } else if (envelope.data.resource_id !== undefined) {
        createdOnKafka.push({ resource: envelope.data.resource_id, at: Number(message.timestamp) });
      }
    },
  });

  recommendationService = await startServiceProcess(new URL('../src/main.ts', import.meta.url), { databaseUrl: url, prefix });
  await relay.start();
  const started = performance.now();
  const sync = await syncAccount({ db: ingestionDb, logger, adapterFor: async () => adapter, outbox: outboxOf('ingestion') }, { organization_id: account.organization_id, cloud_account_id: account.id });
  const syncMs = performance.now() - started;

  // Settled: every discovered event read, and the recommendation service has applied all of them
  // and relayed what they made.
  const deadline = Date.now() + 480_000;
  const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(owner)).rows[0]!.n;
  for (;;) {
    const applied = await count(sql<{ n: number }>`select count(*)::int as n from processed_events where consumer_group like '%recommendation%'`);
    const unrelayed = await count(sql<{ n: number }>`select count(*)::int as n from event_outbox where published_at is null`);
    const made = await count(sql<{ n: number }>`select count(*)::int as n from recommendations where resource_id is not null`);
    if (applied >= sync.created && unrelayed === 0 && discoveredAt.size >= sync.created && createdOnKafka.length >= made) break;
    if (Date.now() > deadline) throw new Error(`not settled within 8 minutes: ${applied}/${sync.created} applied, ${unrelayed} unrelayed, ${createdOnKafka.length}/${made} read`);
    await sleep(200);
  }
  const settledMs = performance.now() - started;

  const latencies: number[] = [];
  for (const { resource, at } of createdOnKafka) latencies.push(at - discoveredAt.get(resource)!);
  const baseline = [...discoveredOnKafka].map(([resource, at]) => at - discoveredAt.get(resource)!);
  console.log(`discovery -> recommendation latency during the sync of a ${RESOURCES.toLocaleString('en')}-resource sim account (AWS)`);
  console.log(`  sync: ${sync.created.toLocaleString('en')} resources in ${syncMs.toFixed(0)} ms (${rate(sync.created, syncMs).toLocaleString('en')} resources/s); every event applied by the recommendation service after ${settledMs.toFixed(0)} ms (${rate(sync.created, settledMs).toLocaleString('en')} events/s)`);
  console.log(`  baseline: resource.discovered, outbox -> Kafka          ${summary(baseline)}  (${baseline.length.toLocaleString('en')} events)`);
  console.log(`  resource.discovered -> recommendation.created on Kafka  ${summary(latencies)}  (${latencies.length.toLocaleString('en')} recommendations)`);
  console.log(`  target: p99 under 2,000 ms`);
} finally {
  await reader.disconnect().catch(() => undefined);
  await relay.stop();
  await recommendationService?.stop();
  await deleteSharedKeysUnder(prefix);
  await Promise.all([owner.destroy(), ingestionDb.destroy()]);
  await kafkaAdmin.deleteTopics({ topics: (await kafkaAdmin.listTopics()).filter((topic) => topic.startsWith(prefix)) }).catch(() => undefined);
  await kafkaAdmin.disconnect();
  await database.drop();
}
