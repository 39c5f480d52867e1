/**
 * Discovery against the real PostgreSQL and Kafka: a 10k-resource simulated account synced three
 * times (new, unchanged, shrunk), every event read back from its topic.
 */
import type { Admin } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudCredentialsError, createSimAdapter, type CloudAdapter, type DiscoveredResource, type DiscoveryOptions } from '@stratus/cloud';
import { createDb, type Database } from '@stratus/db';
import { OutboxRelay, ensureTopics, outboxOf, topicFor } from '@stratus/events';
import {
  createTestDatabase,
  createTestKafka,
  eventually,
  readTopics,
  type KafkaReader,
  type TestDatabase,
  type TestKafka,
  outboxDrained,
} from '@stratus/testing';
import { SyncSkipped, syncAccount, type SyncableAccount } from './discovery.service.ts';

const FLEET = 10_000;
const logger = pino({ level: 'silent' });
const outbox = outboxOf('ingestion');

let database: TestDatabase;
let kafka: TestKafka;
let admin: Admin;
let db: Kysely<Database>;
let relay: OutboxRelay;
let reader: KafkaReader;
let account: SyncableAccount;
let fleetSize = FLEET;

const adapterFor = async (_trx: unknown, stored: SyncableAccount): Promise<CloudAdapter> =>
  createSimAdapter({ ...stored, settings: { sim: { seed: 'discovery-test', resources: fleetSize } } });

/** The simulated account with its discovery stream replaced by `discover(sim, options)`. */
function simWith(discover: (sim: CloudAdapter, options: DiscoveryOptions | undefined) => AsyncIterable<DiscoveredResource[]>) {
  return async (trx: unknown, stored: SyncableAccount): Promise<CloudAdapter> => {
    const sim = await adapterFor(trx, stored);
    return { ...sim, discover: (options) => discover(sim, options) };
  };
}

function eventsOf(type: 'resource.discovered' | 'resource.removed') {
  return reader.messages
    .filter((entry) => entry.topic === topicFor(kafka.prefix, type))
    .map((entry) => JSON.parse(entry.message.value!.toString()) as { data: Record<string, unknown> });
}

const drained = () => outboxDrained(database.owner);

beforeAll(async () => {
  database = await createTestDatabase();
  kafka = createTestKafka();
  admin = kafka.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { prefix: kafka.prefix, partitions: 3 });
  db = createDb({ url: database.url, role: 'stratus_ingestion', max: 4 });
  const organization = await database.owner.insertInto('organizations').values({ name: 'discovery' }).returning('id').executeTakeFirstOrThrow();
  account = await database.owner
    .insertInto('cloud_accounts')
    .values({ organization_id: organization.id, name: 'sim', provider: 'AWS', account_id: '123456789012' })
    .returning(['id', 'organization_id', 'provider', 'account_id', 'status', 'settings'])
    .executeTakeFirstOrThrow();
  relay = new OutboxRelay({ db, listenUrl: database.url, kafka: kafka.kafka, producer: 'ingestion', topicPrefix: kafka.prefix, logger });
  await relay.start();
  reader = await readTopics(kafka.kafka, [topicFor(kafka.prefix, 'resource.discovered'), topicFor(kafka.prefix, 'resource.removed')]);
}, 120_000);

afterAll(async () => {
  await relay?.stop();
  await reader?.stop();
  await admin?.disconnect();
  await db?.destroy();
  await kafka?.cleanup();
  await database?.drop();
});

const target = () => ({ organization_id: account.organization_id, cloud_account_id: account.id });

describe('syncing a simulated account', () => {
  it('stores 10k resources and publishes exactly one resource.discovered per resource', async () => {
    const stats = await syncAccount({ db, outbox, logger, adapterFor }, target());
    expect(stats).toMatchObject({ seen: FLEET, created: FLEET, updated: 0, removed: 0 });

    await drained();
    await eventually(() => expect(eventsOf('resource.discovered')).toHaveLength(FLEET), { timeoutMs: 60_000 });
    const ids = eventsOf('resource.discovered').map((event) => (event.data.resource as { id: string }).id);
    expect(new Set(ids).size).toBe(FLEET);
    const stored = await database.owner.selectFrom('resources').select('id').where('cloud_account_id', '=', account.id).execute();
    expect(new Set(stored.map((row) => row.id))).toEqual(new Set(ids));

    const saved = await database.owner.selectFrom('cloud_accounts').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow();
    expect(saved).toMatchObject({ status: 'connected', last_sync_error: null });
    expect(saved.last_sync).toBeInstanceOf(Date);
    expect(saved.metadata).toMatchObject({ last_sync_stats: { seen: FLEET, created: FLEET } });
  });

  it('publishes nothing when the unchanged fleet is synced again, and moves last_seen', async () => {
    const before = await database.owner.selectFrom('resources').select((eb) => eb.fn.max('last_seen').as('last')).executeTakeFirstOrThrow();
    const stats = await syncAccount({ db, outbox, logger, adapterFor }, target());
    expect(stats).toMatchObject({ seen: FLEET, created: 0, updated: 0, removed: 0 });

    const after = await database.owner.selectFrom('resources').select((eb) => eb.fn.min('last_seen').as('first')).executeTakeFirstOrThrow();
    expect(after.first!.getTime()).toBeGreaterThan(before.last!.getTime());
    const { count } = await database.owner
      .selectFrom('event_outbox_events')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(FLEET);
  });

  it('removes what the provider no longer has, with one resource.removed each', async () => {
    fleetSize = FLEET - 1_000;
    const stats = await syncAccount({ db, outbox, logger, adapterFor }, target());
    expect(stats).toMatchObject({ seen: FLEET - 1_000, created: 0, updated: 0, removed: 1_000 });

    await drained();
    await eventually(() => expect(eventsOf('resource.removed')).toHaveLength(1_000), { timeoutMs: 60_000 });
    const removedIds = new Set(eventsOf('resource.removed').map((event) => event.data.resource_id as string));
    const remaining = await database.owner.selectFrom('resources').select('id').where('cloud_account_id', '=', account.id).execute();
    expect(remaining).toHaveLength(FLEET - 1_000);
    expect(remaining.some((row) => removedIds.has(row.id))).toBe(false);
    expect(eventsOf('resource.discovered')).toHaveLength(FLEET);
  });

  it('publishes resource.discovered as updated, with the fields that changed, for resources that changed; utilisation is no change', async () => {
    const changed = simWith(async function* (sim) {
      let index = 0;
      for await (const page of sim.discover()) {
        yield page.map((resource) => {
          index += 1;
          // New values of utilisation where it is measured (its coming or going is a change).
          const drifted = resource.utilization ? { ...resource, utilization: { ...resource.utilization, window_days: 7 } } : resource;
          if (index <= 20) return { ...drifted, state: 'stopped-for-test' };
          if (index <= 30) return { ...drifted, tags: { ...resource.tags, team: 'moved-for-test' } };
          return drifted;
        });
      }
    });
    const before = eventsOf('resource.discovered').length;
    const stats = await syncAccount({ db, outbox, logger, adapterFor: changed }, target());
    expect(stats).toMatchObject({ created: 0, updated: 30, removed: 0 });

    await drained();
    await eventually(() => expect(eventsOf('resource.discovered')).toHaveLength(before + 30));
    const updates = eventsOf('resource.discovered').slice(before).map((event) => event.data as { change: string; changed_fields: string[]; resource: Record<string, any> });
    expect(updates.every((update) => update.change === 'updated')).toBe(true);
    expect(updates.filter((update) => update.changed_fields.join() === 'state')).toHaveLength(20);
    expect(updates.filter((update) => update.changed_fields.join() === 'tags')).toHaveLength(10);
    const moved = updates.find((update) => update.changed_fields.join() === 'tags')!.resource;
    expect(moved.tags.team).toBe('moved-for-test');
    // The event carries the resource as stored, utilisation included.
    const stored = await database.owner.selectFrom('resources').selectAll().where('id', '=', moved.id).executeTakeFirstOrThrow();
    expect({ tags: stored.tags, metadata: stored.metadata, cost_monthly: stored.cost_monthly, discovered_at: stored.discovered_at.toISOString() }).toEqual({
      tags: moved.tags,
      metadata: moved.metadata,
      cost_monthly: moved.cost_monthly,
      discovered_at: moved.discovered_at,
    });
    expect((stored.metadata as { utilization: { window_days: number } }).utilization.window_days).toBe(7);

    // Back to what the provider says: the same 30 change again, nothing else.
    expect(await syncAccount({ db, outbox, logger, adapterFor }, target())).toMatchObject({ created: 0, updated: 30, removed: 0 });
  });

  it('keeps what it stored and records the error when the provider fails midway', async () => {
    const failing = simWith(async function* (sim) {
      let pages = 0;
      for await (const page of sim.discover()) {
        if (++pages > 1) throw new CloudCredentialsError('the security token included in the request is expired');
        yield page;
      }
    });
    const countBefore = (await database.owner.selectFrom('resources').select('id').execute()).length;
    await expect(syncAccount({ db, outbox, logger, adapterFor: failing }, target())).rejects.toThrow(/expired/);

    const saved = await database.owner.selectFrom('cloud_accounts').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow();
    expect(saved.status).toBe('credentials_invalid');
    expect(saved.last_sync_error).toMatch(/expired/);
    // A sync cut short removes nothing.
    expect(await database.owner.selectFrom('resources').select('id').execute()).toHaveLength(countBefore);

    await syncAccount({ db, outbox, logger, adapterFor }, target());
    expect(await database.owner.selectFrom('cloud_accounts').select('status').where('id', '=', account.id).executeTakeFirstOrThrow()).toEqual({
      status: 'connected',
    });
  });

  it('skips a second sync of the same account while one is running', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let discovering!: () => void;
    // The inventory is read only once the sync holds the account's lock.
    const locked = new Promise<void>((resolve) => (discovering = resolve));
    const slow = simWith(async function* (sim) {
      discovering();
      await held;
      yield* sim.discover();
    });
    const first = syncAccount({ db, outbox, logger, adapterFor: slow }, target());
    await locked;
    await expect(syncAccount({ db, outbox, logger, adapterFor }, target())).rejects.toBeInstanceOf(SyncSkipped);
    release();
    await expect(first).resolves.toMatchObject({ seen: FLEET - 1_000 });
  });

  it('records what discovery warned of (a refused metrics permission) on a sync that succeeds, removes nothing for it, and announces each resource whose utilisation went or came back', async () => {
    const warning = { kind: 'metrics_unavailable' as const, permission: 'cloudwatch:GetMetricData', message: 'AccessDeniedException: not authorized to perform: cloudwatch:GetMetricData' };
    // As a live adapter refused its metrics: the inventory whole, without utilisation, and a warning.
    const refused = simWith(async function* (sim, options) {
      options?.onWarning?.(warning);
      for await (const page of sim.discover()) yield page.map(({ utilization: _, ...resource }) => resource);
    });

    const measuredCount = async () =>
      Number(
        (
          await database.owner
            .selectFrom('resources')
            .select((eb) => eb.fn.countAll<string>().as('count'))
            .where('cloud_account_id', '=', account.id)
            .where(sql<boolean>`metadata ? 'utilization'`)
            .executeTakeFirstOrThrow()
        ).count,
      );
    // Machines and databases are measured; buckets, volumes and the like are not.
    const wasMeasured = await measuredCount();
    expect(wasMeasured).toBeGreaterThan(0);
    const before = eventsOf('resource.discovered').length;
    const stats = await syncAccount({ db, outbox, logger, adapterFor: refused }, target());

    // The rules that read utilisation judge those resources again: nothing stays recommended from metrics gone.
    expect(stats).toMatchObject({ seen: FLEET - 1_000, created: 0, updated: wasMeasured, removed: 0, warnings: [warning] });
    const saved = await database.owner.selectFrom('cloud_accounts').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow();
    expect(saved).toMatchObject({ status: 'connected', last_sync_error: null, metadata: { last_sync_stats: { warnings: [warning] } } });
    expect(await measuredCount()).toBe(0);

    // The permission granted, the next sync has nothing to warn of, and the metrics are back: announced again.
    await expect(syncAccount({ db, outbox, logger, adapterFor }, target())).resolves.toMatchObject({ updated: wasMeasured, warnings: [] });
    await drained();
    await eventually(() => expect(eventsOf('resource.discovered')).toHaveLength(before + 2 * wasMeasured), { timeoutMs: 60_000 });
    const changes = eventsOf('resource.discovered').slice(before).map((event) => (event.data as { changed_fields: string[] }).changed_fields.join());
    expect(new Set(changes)).toEqual(new Set(['utilization']));
    // Unchanged utilisation, values and all, is still no change.
    await expect(syncAccount({ db, outbox, logger, adapterFor }, target())).resolves.toMatchObject({ updated: 0 });
  });

  it('skips unlinked and disabled accounts', async () => {
    await database.owner.updateTable('cloud_accounts').set({ status: 'disabled' }).where('id', '=', account.id).execute();
    await expect(syncAccount({ db, outbox, logger, adapterFor }, target())).rejects.toThrow(/is disabled/);
    await database.owner.updateTable('cloud_accounts').set({ status: 'connected' }).where('id', '=', account.id).execute();
  });
});
