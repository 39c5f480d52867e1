import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, port, serviceEnv } from '@stratus/config';
import { createDb, SERVICE_ROLES, type Database, type ServiceName } from '@stratus/db';
import { ensureTopics, outboxOf, type PublishManyItem } from '@stratus/events';
import { createTestDatabase, createTestKafka, testEnv, type TestDatabase, type TestKafka } from '@stratus/testing';
import { checkEventRetention, consumerGroupOf, pruneEvents } from '../src/event-retention.ts';

let database: TestDatabase;
let costDb: Kysely<Database>;
let kafka: TestKafka;
let admin: Admin;
const DAY_MS = 86_400_000;
const now = new Date();
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);
const tenant = randomUUID();

function configWith(env: Record<string, string> = {}) {
  return loadConfig(serviceEnv.extend({ PORT: port.default(0) }), {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: kafka.prefix,
    ...env,
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  costDb = createDb({ url: database.url, role: SERVICE_ROLES.cost, max: 2 });
  kafka = createTestKafka();
  admin = kafka.kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await kafka?.cleanup();
  await costDb?.destroy();
  await database?.drop();
});

/** One outbox row of `producer`, published `publishedDaysAgo` days ago (null: not yet). */
async function outboxRow(producer: ServiceName, publishedDaysAgo: number | null): Promise<string> {
  const item: PublishManyItem = {
    type: 'cost.aggregated',
    tenant,
    data: { cloud_account_id: randomUUID(), day: '2026-11-01', currency: 'USD', total: '1.00', by_service: {} },
  };
  const [envelope] = await database.owner.transaction().execute((trx) => outboxOf(producer).publishMany(trx, [item]));
  const publishedAt = publishedDaysAgo === null ? null : daysAgo(publishedDaysAgo);
  await sql`update event_outbox set published_at = ${publishedAt} where ${envelope!.id}::uuid = any(event_ids)`.execute(database.owner);
  return envelope!.id;
}

async function processed(group: string, processedDaysAgo: number): Promise<string> {
  const eventId = randomUUID();
  await database.owner.insertInto('processed_events').values({ consumer_group: group, event_id: eventId, processed_at: daysAgo(processedDaysAgo) }).execute();
  return eventId;
}

async function outboxIds(): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select unnest(event_ids)::text as id from event_outbox`.execute(database.owner);
  return rows.map((row) => row.id).sort();
}

async function processedIds(): Promise<string[]> {
  const rows = await database.owner.selectFrom('processed_events').select('event_id').execute();
  return rows.map((row) => row.event_id).sort();
}

describe('event pruning', () => {
  it("deletes the service's own old published outbox rows and old processed ids, in batches, and nothing else", async () => {
    const config = configWith({ OUTBOX_RETENTION_DAYS: '7', PROCESSED_EVENTS_RETENTION_DAYS: '45' });
    const group = consumerGroupOf(config, 'cost');
    const oldPublished = await Promise.all([outboxRow('cost', 8), outboxRow('cost', 30), outboxRow('cost', 9)]);
    const kept = [
      await outboxRow('cost', 6), // recent
      await outboxRow('cost', null), // never published, however old
      await outboxRow('ingestion', 30), // another producer's
      await processed(group, 44), // recent
      await processed(consumerGroupOf(config, 'audit'), 100), // another group's
    ];
    await sql`update event_outbox set created_at = ${daysAgo(60)} where published_at is null`.execute(database.owner);
    const oldProcessed = await Promise.all([processed(group, 46), processed(group, 400)]);

    // As the cost service's own role, as the runtime runs it.
    const report = await pruneEvents({ db: costDb, service: 'cost', config }, group, now);

    expect(report).toEqual({ outboxRows: 3, processedEvents: 2 });
    const remaining = [...(await outboxIds()), ...(await processedIds())];
    expect(remaining.sort()).toEqual([...kept].sort());
    for (const id of [...oldPublished, ...oldProcessed]) expect(remaining).not.toContain(id);
  });

  it('works off a backlog larger than a batch, and replicas pruning at once delete each row once', async () => {
    const config = configWith({ OUTBOX_RETENTION_DAYS: '1', PROCESSED_EVENTS_RETENTION_DAYS: '45' });
    const group = consumerGroupOf(config, 'cost');
    await database.owner.insertInto('processed_events')
      .values(Array.from({ length: 12_000 }, () => ({ consumer_group: group, event_id: randomUUID(), processed_at: daysAgo(50) })))
      .execute();
    const before = (await processedIds()).length;

    const reports = await Promise.all([1, 2, 3].map(() => pruneEvents({ db: costDb, service: 'cost', config }, group, now)));

    expect(reports.reduce((sum, report) => sum + report.processedEvents, 0)).toBe(12_000);
    expect((await processedIds()).length).toBe(before - 12_000);
  });
});

describe('event retention check', () => {
  it('starts when processed ids outlast every topic, and names the topic that outlives them otherwise', async () => {
    await ensureTopics(admin, { prefix: kafka.prefix, partitions: 1, deadLetterRetentionMs: 30 * DAY_MS });
    await expect(checkEventRetention(admin, configWith())).resolves.toBeUndefined();
    await expect(checkEventRetention(admin, configWith({ PROCESSED_EVENTS_RETENTION_DAYS: '31' }))).rejects.toThrow(
      new RegExp(`topic ${kafka.prefix.replace('.', '\\.')}[a-z_.]+\\.dlq keeps messages up to 3\\d\\.\\d days .*PROCESSED_EVENTS_RETENTION_DAYS \\(31\\)`),
    );
  });
});
