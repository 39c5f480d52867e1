/**
 * Recommendations of a simulated fleet, end to end on the real PostgreSQL and Kafka: the ingestion
 * service's discovery stores the fleet and publishes resource.discovered through its outbox, the
 * recommendation service's consumer (its own database role) evaluates each resource. The expected
 * recommendations come from the sim itself (its daily utilisation series, its inventory facts and
 * list prices), not from the rules.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization } from '@stratus/auth';
import { createSimAdapter, simUtilizationHistory, type CloudAccountRef, type CloudAdapter, type DiscoveredResource } from '@stratus/cloud';
import { createDb, type Database } from '@stratus/db';
import { createConsumer, ensureTopics, OutboxRelay, outboxOf, topicFor, type EventConsumer, type EventType } from '@stratus/events';
import { createLogger } from '@stratus/runtime';
import { createTestDatabase, createTestKafka, eventually, readTopics, type KafkaReader, type TestDatabase, type TestKafka, outboxDrained } from '@stratus/testing';
import { syncAccount, type SyncableAccount } from '../../ingestion/src/modules/discovery/discovery.service.ts';
import { handlers } from '../src/app.ts';
import { evaluateAccount } from '../src/modules/recommendations/evaluation.service.ts';

const FLEET = 400;
const logger = createLogger('recommendation-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);
const DAY_MS = 86_400_000;

let database: TestDatabase;
let kafka: TestKafka;
let ingestionDb: Kysely<Database>;
let recommendationDb: Kysely<Database>;
let relays: OutboxRelay[];
let consumer: EventConsumer;
let reader: KafkaReader;
let account: SyncableAccount;
let sim: CloudAdapter;
let organizationId: string;

const simRef = (): CloudAccountRef => ({ id: account.id, provider: 'AWS', account_id: account.account_id, settings: account.settings });
const sync = () => syncAccount({ db: ingestionDb, logger, adapterFor: async () => sim, outbox: outboxOf('ingestion') }, { organization_id: organizationId, cloud_account_id: account.id });

const drained = () => outboxDrained(database.owner);

/** Every event relayed so far has been applied by the consumer. */
async function settled() {
  await drained();
  await eventually(() => expect(consumer.metrics().processed + consumer.metrics().duplicates).toBe(consumed()), { timeoutMs: 60_000 });
}

function consumed(): number {
  return reader.messages.filter((entry) => entry.topic === topicFor(kafka.prefix, 'resource.discovered') || entry.topic === topicFor(kafka.prefix, 'resource.removed')).length;
}

function recommendationEvents(type: EventType) {
  return reader.messages.filter((entry) => entry.topic === topicFor(kafka.prefix, type)).map((entry) => JSON.parse(entry.message.value!.toString()));
}

const recommendations = () =>
  database.owner.selectFrom('recommendations').select(['id', 'resource_id', 'recommendation_type', 'status', 'estimated_savings', 'currency', 'details', 'version']).orderBy('id').execute();

/** The nearest-rank 95th percentile. */
function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}

const cents = (value: number) => value.toFixed(2);

/** What the sim says each of the three rules must find, with the savings at list price. */
function expected(fleet: DiscoveredResource[], now: Date) {
  const found: { provider_resource_id: string; type: string; savings: string }[] = [];
  for (const resource of fleet) {
    const metadata = resource.metadata as Record<string, string | number | null>;
    if (resource.type === 'vm' && resource.state === 'running') {
      const days = simUtilizationHistory(simRef(), resource.provider_resource_id, 30);
      const network = days.reduce((sum, day) => sum + day.network_bytes!, 0) / days.length;
      if (days.length >= 14 && p95(days.map((day) => day.cpu_p95!)) <= 5 && network <= 5e6) {
        found.push({ provider_resource_id: resource.provider_resource_id, type: 'idle_vm', savings: cents(Number(metadata.list_price_hourly) * 730) });
      }
    }
    if (resource.type === 'disk' && metadata.attached_to === null && resource.utilization!.idle_days! >= 15) {
      found.push({ provider_resource_id: resource.provider_resource_id, type: 'unattached_disk', savings: cents(Number(metadata.list_price_gb_month) * Number(metadata.size_gb)) });
    }
    if (resource.type === 'snapshot' && now.getTime() - Date.parse(String(metadata.created_at)) >= 90 * DAY_MS) {
      found.push({ provider_resource_id: resource.provider_resource_id, type: 'old_snapshot', savings: cents(Number(metadata.list_price_gb_month) * Number(metadata.size_gb)) });
    }
  }
  return found;
}

async function actual(types: string[]) {
  const rows = await database.owner
    .selectFrom('recommendations')
    .innerJoin('resources', 'resources.id', 'recommendations.resource_id')
    .select(['resources.provider_resource_id', 'recommendation_type', 'estimated_savings', 'status'])
    .where('recommendation_type', 'in', types)
    .where('status', '=', 'open')
    .execute();
  return rows.map((row) => ({ provider_resource_id: row.provider_resource_id, type: row.recommendation_type, savings: cents(Number(row.estimated_savings)) }));
}

const byKey = (a: { provider_resource_id: string; type: string }, b: { provider_resource_id: string; type: string }) =>
  `${a.type}/${a.provider_resource_id}`.localeCompare(`${b.type}/${b.provider_resource_id}`);

beforeAll(async () => {
  database = await createTestDatabase();
  kafka = createTestKafka();
  const admin = kafka.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { prefix: kafka.prefix, partitions: 2 });
  await admin.disconnect();
  ingestionDb = createDb({ url: database.url, role: 'stratus_ingestion', max: 4 });
  recommendationDb = createDb({ url: database.url, role: 'stratus_recommendation', max: 4 });
  const tenant = await bootstrapOrganization(database.owner, { organizationName: 'Fleet', adminEmail: 'admin@fleet.test' });
  organizationId = tenant.organization.id;
  account = await database.owner
    .insertInto('cloud_accounts')
    .values({ organization_id: organizationId, name: 'sim', provider: 'AWS', account_id: '123456789012', settings: JSON.stringify({ sim: { seed: 'recommendations', resources: FLEET, operation_latency_ms: 0, failure_rate: 0 } }) })
    .returning(['id', 'organization_id', 'provider', 'account_id', 'status', 'settings'])
    .executeTakeFirstOrThrow();
  sim = createSimAdapter(simRef());
  relays = (['ingestion', 'recommendation'] as const).map((producer) => new OutboxRelay({ db: database.owner, listenUrl: database.url, kafka: kafka.kafka, producer, topicPrefix: kafka.prefix, logger }));
  for (const relay of relays) await relay.start();
  reader = await readTopics(
    kafka.kafka,
    (['resource.discovered', 'resource.removed', 'recommendation.created', 'recommendation.updated', 'recommendation.resolved'] as const).map((type) => topicFor(kafka.prefix, type)),
  );
  const queues = { enqueue: async () => { throw new Error('no cost.aggregated in this test'); } };
  consumer = createConsumer({ kafka: kafka.kafka, db: recommendationDb, groupId: `${kafka.prefix}stratus-recommendation`, topicPrefix: kafka.prefix, handlers: handlers(queues as never), logger, fromBeginning: true });
  await consumer.start();
}, 120_000);

afterAll(async () => {
  await consumer?.stop();
  for (const relay of relays ?? []) await relay.stop();
  await reader?.stop();
  await ingestionDb?.destroy();
  await recommendationDb?.destroy();
  await kafka?.cleanup();
  await database?.drop();
});

describe('recommendations of a simulated fleet', () => {
  let fleet: DiscoveredResource[];

  it('finds exactly the idle VMs, unattached disks and old snapshots the sim made, with their list-price savings', async () => {
    fleet = [];
    for await (const page of sim.discover()) fleet.push(...page);
    await sync();
    await settled();
    const want = expected(fleet, new Date()).sort(byKey);
    const counts = Object.groupBy(want, (item) => item.type);
    expect(counts.idle_vm?.length).toBeGreaterThan(3);
    expect(counts.unattached_disk?.length).toBeGreaterThan(3);
    expect(counts.old_snapshot?.length).toBeGreaterThan(3);
    await eventually(async () => expect((await actual(['idle_vm', 'unattached_disk', 'old_snapshot'])).sort(byKey)).toEqual(want), { timeoutMs: 30_000 });

    const rows = await recommendations();
    expect(rows.every((row) => (row.details as { savings_basis: string }).savings_basis === 'list_price' || row.recommendation_type === 'untagged_spend')).toBe(true);
    // One recommendation.created per recommendation, published with it.
    await eventually(() => expect(recommendationEvents('recommendation.created').map((event) => event.data.recommendation_id).sort()).toEqual(rows.map((row) => row.id).sort()), { timeoutMs: 30_000 });
  });

  it('creates and changes nothing on a second identical sync, nor when Kafka redelivers every resource event', async () => {
    const before = await recommendations();
    const published = recommendationEvents('recommendation.created').length + recommendationEvents('recommendation.updated').length;
    const stats = await sync();
    expect(stats).toMatchObject({ created: 0, updated: 0, removed: 0 });
    // Redeliver as the relay sent them: the consumer sees them as duplicates.
    const producer = kafka.kafka.producer();
    await producer.connect();
    const discovered = reader.messages.filter((entry) => entry.topic === topicFor(kafka.prefix, 'resource.discovered'));
    await producer.send({ topic: topicFor(kafka.prefix, 'resource.discovered'), messages: discovered.map((entry) => ({ key: entry.message.key, value: entry.message.value })) });
    await producer.disconnect();
    await settled();
    expect(await recommendations()).toEqual(before);
    // And an evaluation of the whole account, as the daily job runs it, finds the same.
    const counts = await evaluateAccount(recommendationDb, organizationId, account.id, new Date());
    expect(counts).toMatchObject({ resources: FLEET, created: 0, updated: 0, resolved: 0 });
    expect(await recommendations()).toEqual(before);
    await drained();
    expect(recommendationEvents('recommendation.created').length + recommendationEvents('recommendation.updated').length).toBe(published);
  });

  it('updates a recommendation in place with the resource\'s effective cost once it has cost lines', async () => {
    const [disk] = await database.owner
      .selectFrom('recommendations')
      .innerJoin('resources', 'resources.id', 'recommendations.resource_id')
      .select(['recommendations.id', 'recommendations.version', 'resources.id as resource_id', 'resources.provider_resource_id'])
      .where('recommendation_type', '=', 'unattached_disk')
      .orderBy('recommendations.id')
      .limit(1)
      .execute();
    // Ten days of 0.50 effective (0.60 billed): 0.05 a day, 1.52 a month (730 / 24 days).
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    await database.owner
      .insertInto('cost_data')
      .values(
        Array.from({ length: 10 }, (_, day) => ({
          organization_id: organizationId,
          cloud_account_id: account.id,
          resource_id: disk!.resource_id,
          provider_resource_id: disk!.provider_resource_id,
          provider: 'AWS' as const,
          service: 'Amazon Elastic Compute Cloud',
          timestamp: new Date(today - (day + 1) * DAY_MS),
          amount: '0.06',
          currency: 'USD',
          granularity: 'daily' as const,
          dimensions: JSON.stringify({ effective_cost: '0.05', tags: {} }),
        })),
      )
      .execute();
    const counts = await evaluateAccount(recommendationDb, organizationId, account.id, new Date());
    // The account's only costed resource: if it has no tags, all of the spend is untagged.
    const { tags } = await database.owner.selectFrom('resources').select('tags').where('id', '=', disk!.resource_id).executeTakeFirstOrThrow();
    const untagged = Object.keys(tags).length === 0;
    // Every recommendation of the disk takes its cost: a gp2 disk also has previous_generation.
    const ofDisk = await database.owner.selectFrom('recommendations').select('id').where('resource_id', '=', disk!.resource_id).execute();
    expect(counts).toMatchObject({ created: untagged ? 1 : 0, updated: ofDisk.length, resolved: 0 });
    const accountWide = await database.owner.selectFrom('recommendations').select(['recommendation_type', 'resource_id', 'estimated_savings']).where('resource_id', 'is', null).execute();
    expect(accountWide).toEqual(untagged ? [{ recommendation_type: 'untagged_spend', resource_id: null, estimated_savings: null }] : []);
    const row = await database.owner.selectFrom('recommendations').selectAll().where('id', '=', disk!.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ estimated_savings: '1.520000', currency: 'USD', version: disk!.version + 1, status: 'open' });
    expect(row.details).toMatchObject({ savings_basis: 'effective_cost' });
    await drained();
    await eventually(() => expect(recommendationEvents('recommendation.updated').filter((event) => event.data.recommendation_id === disk!.id)).toHaveLength(1));
  });

  it('resolves the recommendation of a resource a resync finds fixed or gone', async () => {
    const open = await database.owner
      .selectFrom('recommendations')
      .innerJoin('resources', 'resources.id', 'recommendations.resource_id')
      .select(['recommendations.id', 'recommendation_type', 'resources.id as resource_id', 'resources.provider_resource_id', 'resources.region'])
      .where('status', '=', 'open')
      .orderBy('recommendations.id')
      .execute();
    const vm = open.find((row) => row.recommendation_type === 'idle_vm')!;
    const disk = open.find((row) => row.recommendation_type === 'unattached_disk')!;
    // Stopped, the VM is no longer idle; deleted, the disk takes all its recommendations with it (a gp2 disk has two).
    const gone = [[vm.id, 'no_longer_matches'], ...open.filter((row) => row.resource_id === disk.resource_id).map((row) => [row.id, 'resource_removed'])].sort();
    await sim.execute({ operation: 'stop', provider_resource_id: vm.provider_resource_id, resource_type: 'vm', region: vm.region, params: {} });
    await sim.execute({ operation: 'delete', provider_resource_id: disk.provider_resource_id, resource_type: 'disk', region: disk.region, params: {} });
    const stats = await sync();
    expect(stats).toMatchObject({ updated: 1, removed: 1 });
    await settled();
    const ids = gone.map(([id]) => id!);
    await eventually(async () => {
      const rows = await database.owner.selectFrom('recommendations').select(['id', 'status', 'state_metadata']).where('id', 'in', ids).orderBy('id').execute();
      expect(rows.map((row) => [row.id, row.status, row.state_metadata])).toEqual(gone.map(([id, reason]) => [id, 'resolved', { reason }]));
    }, { timeoutMs: 30_000 });
    await drained();
    await eventually(() => expect(recommendationEvents('recommendation.resolved').map((event) => [event.data.recommendation_id, event.data.reason]).sort()).toEqual(gone));
    // The other open recommendations stayed as they were.
    const still = await database.owner.selectFrom('recommendations').select('id').where('status', '=', 'open').where('resource_id', 'is not', null).execute();
    expect(still).toHaveLength(open.length - gone.length);
  });
});
