/**
 * Discovery throughput: syncs a simulated account of BENCH_RESOURCES resources (100k by default)
 * into a fresh database and prints resources/s beside two baselines measured in the same run on the
 * same rows: PostgreSQL COPY, and a plain multi-row INSERT, into the same table. Run it with
 * `scripts/bench.sh sync`. It creates and drops its own database and topics, and stops by itself.
 */
import { Kafka, logLevel } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { createSimAdapter, type DiscoveredResource } from '@stratus/cloud';
import { createDb, withTenant, type Database } from '@stratus/db';
import { type OutboxRelayThread, createIdempotentProducer, ensureTopics, outboxOf, toKafkaMessage, topicFor } from '@stratus/events';
import { copyLines, copyText, createBenchAccount, createBenchDatabase, deleteKeysUnder, peakRssMiB, rate, startServiceProcess, testEnv, time, type ServiceProcess } from '@stratus/testing/bench';
import { createQueues, createRedisConnection } from '@stratus/queues';
import { syncAccount } from '../src/modules/discovery/discovery.service.ts';
import { ingestionRelay } from './ingestion-relay.ts';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 100_000);
const prefix = `bench-sync-${process.pid}.`;
const logger = pino({ level: 'warn' });

const database = await createBenchDatabase('sync');
const { url } = database;
const kafka = new Kafka({ clientId: 'stratus-bench', brokers: testEnv.kafkaBrokers, logLevel: logLevel.ERROR });
const kafkaAdmin = kafka.admin();
let owner: Kysely<Database> | undefined;
let db: Kysely<Database> | undefined;
let relay: OutboxRelayThread | undefined;
let service: ServiceProcess | undefined;
const redis = createRedisConnection(testEnv.redisUrl, { forWorker: false });
const queues = createQueues({ connection: redis, prefix });
try {
  owner = createDb({ url, max: 4 });
  db = createDb({ url, role: 'stratus_ingestion', max: 4 });
  await kafkaAdmin.connect();
  await ensureTopics(kafkaAdmin, { prefix, partitions: 6 });

  const account = await createBenchAccount(owner, { account_id: '123456789012', sim: { seed: 'bench', resources: RESOURCES } });
  const adapter = createSimAdapter({ ...account, settings: account.settings as Record<string, unknown> });

  // The rows both baselines write: the same resources the sync will fetch, generated beforehand
  // so the baselines time the database alone.
  const fleet: DiscoveredResource[] = [];
  const generation = await time(async () => {
    for await (const page of adapter.discover()) fleet.push(...page);
  });
  const values = fleet.map((resource) => ({
    organization_id: account.organization_id,
    cloud_account_id: account.id,
    provider: account.provider,
    provider_resource_id: resource.provider_resource_id,
    name: resource.name,
    type: resource.type,
    region: resource.region,
    zone: resource.zone,
    state: resource.state,
    tags: JSON.stringify(resource.tags),
    metadata: JSON.stringify({ ...resource.metadata, utilization: resource.utilization }),
  }));

  const columns = Object.keys(values[0]!) as (keyof (typeof values)[number])[];
  const copyMs = await time(() =>
    copyLines(url, 'resources', columns, (function* () {
      for (const row of values) yield `${columns.map((column) => copyText(row[column] ?? null)).join('\t')}\n`;
    })()),
  );
  await sql`truncate resources cascade`.execute(owner);

  const insertMs = await time(() =>
    withTenant(db!, account.organization_id, async (trx) => {
      for (let start = 0; start < values.length; start += 1_000) {
        await trx.insertInto('resources').values(values.slice(start, start + 1_000)).execute();
      }
    }),
  );
  await sql`truncate resources cascade`.execute(owner);

  relay = ingestionRelay(url, prefix, logger);
  await relay.start();
  const deps = { db, outbox: outboxOf('ingestion'), logger, adapterFor: async () => adapter };
  const target = { organization_id: account.organization_id, cloud_account_id: account.id };
  const started = performance.now();
  const first = await syncAccount(deps, target);
  const syncMs = performance.now() - started;
  while ((await relay.metrics()).lagMs > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const deliveredMs = performance.now() - started;

  const resync = await syncAccount(deps, target);

  // The Kafka client's own ceiling on this machine: the same events, already in memory, produced
  // the way the relay produces them (idempotent, acks from every replica, ~4 MiB requests), with
  // no database work at all. Delivery end to end cannot beat it.
  await relay.stop();
  const events = await owner
    .selectFrom('event_outbox_events')
    .select(['id', 'type', 'version', 'key', 'headers', sql<string>`envelope::text`.as('value')])
    .orderBy('seq')
    .orderBy('position')
    .execute();
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const topic = topicFor(prefix, 'resource.discovered');
  const produceMs = await time(async () => {
    for (let start = 0; start < events.length; start += 4_000) {
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: events.slice(start, start + 4_000).map(toKafkaMessage) }] });
    }
  });
  await producer.disconnect();

  const copyRate = rate(RESOURCES, copyMs);
  const syncRate = rate(RESOURCES, syncMs);
  console.log(`discovery sync of a ${RESOURCES.toLocaleString('en')}-resource sim account (AWS)`);
  console.log(`  sim inventory alone           ${rate(RESOURCES, generation).toLocaleString('en').padStart(9)} resources/s`);
  console.log(`  baseline COPY                 ${copyRate.toLocaleString('en').padStart(9)} resources/s  (${copyMs.toFixed(0)} ms)`);
  console.log(`  baseline multi-row INSERT     ${rate(RESOURCES, insertMs).toLocaleString('en').padStart(9)} resources/s  (${insertMs.toFixed(0)} ms)`);
  console.log(
    `  sync: fetched + upserted + events in the outbox  ${syncRate.toLocaleString('en').padStart(9)} resources/s  (${syncMs.toFixed(0)} ms, ${first.created} created)`,
  );
  console.log(
    `  ... and every event delivered to Kafka           ${rate(RESOURCES, deliveredMs).toLocaleString('en').padStart(9)} resources/s  (${deliveredMs.toFixed(0)} ms)`,
  );
  console.log(`  Kafka producer alone, the same ${events.length.toLocaleString('en')} events  ${rate(events.length, produceMs).toLocaleString('en').padStart(9)} events/s  (${produceMs.toFixed(0)} ms, no database work)`);
  console.log(`  ratio sync / COPY             ${(syncRate / copyRate).toFixed(3)}  (target >= 0.500; sync target >= 25,000 resources/s)`);
  console.log(`  ratio sync / INSERT           ${(syncRate / rate(RESOURCES, insertMs)).toFixed(3)}`);
  console.log(`  resync of the unchanged fleet ${rate(RESOURCES, resync.duration_ms).toLocaleString('en').padStart(9)} resources/s  (${resync.created + resync.updated + resync.removed} events)`);

  // The same first sync in the ingestion service as deployed (its V8 heap budget, its relay
  // thread), asked for as the API asks for one: the service's peak resident set once every event is in Kafka.
  await sql`truncate resources cascade`.execute(owner);
  service = await startServiceProcess(new URL('../src/main.ts', import.meta.url), {
    databaseUrl: url,
    prefix,
    env: { CREDENTIALS_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` },
  });
  const asked = performance.now();
  await queues.enqueue('account.sync', { ...target, trigger: 'manual' });
  const deadline = asked + 5 * 60_000;
  for (;;) {
    const { count } = await owner
      .selectFrom('resources')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('cloud_account_id', '=', account.id)
      .executeTakeFirstOrThrow();
    const { unpublished } = await owner
      .selectFrom('event_outbox_events')
      .select((eb) => eb.fn.countAll<string>().as('unpublished'))
      .where('published_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(count) === RESOURCES && unpublished === '0') break;
    if (performance.now() > deadline) throw new Error(`the service's sync did not finish within 5 minutes (${count} resources, ${unpublished} events unpublished)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const serviceMs = performance.now() - asked;
  console.log(
    `  in the ingestion service as deployed: ${rate(RESOURCES, serviceMs).toLocaleString('en')} resources/s delivered, peak RSS ${peakRssMiB(service.child.pid!).toFixed(0)} MiB  (pod limit 512 MiB)`,
  );
} finally {
  await relay?.stop();
  await service?.stop();
  await queues.close();
  await deleteKeysUnder(redis, prefix);
  redis.disconnect();
  await db?.destroy();
  await owner?.destroy();
  await kafkaAdmin.deleteTopics({ topics: (await kafkaAdmin.listTopics()).filter((topic) => topic.startsWith(prefix)) }).catch(() => undefined);
  await kafkaAdmin.disconnect();
  await database.drop();
}

