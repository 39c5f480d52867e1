import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTopics,
  OutboxRelay,
  outboxOf,
  pruneOutbox,
  topicFor,
  type EventEnvelope,
  type OutboxRelayOptions,
} from '../src/index.ts';
import { eventually, readTopics, type KafkaReader, type TestDatabase, type TestKafka, openBackbone, type Backbone } from '@stratus/testing';
import type { ServiceName } from '@stratus/db';
import { testLogger } from './logger.ts';
import { samples } from './samples.ts';
import * as backboneEvents from '../src/index.ts';

let database: TestDatabase;
let kafka: TestKafka;
let admin: Admin;
let backbone: Backbone<Logger> | undefined;
let reader: KafkaReader;
const relays: OutboxRelay[] = [];
const tenant = randomUUID();

function startRelay(producer: ServiceName, prefix = kafka.prefix, options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
  const relay = new OutboxRelay({
    db: database.owner,
    listenUrl: database.url,
    kafka: kafka.kafka,
    producer,
    topicPrefix: prefix,
    logger: testLogger,
    backoff: { initialMs: 50, maxMs: 500 },
    ...options,
  });
  relays.push(relay);
  return relay;
}

function received(id: string) {
  return reader.messages.find((entry) => entry.message.headers?.['event-id']?.toString() === id);
}

beforeAll(async () => {
  backbone = await openBackbone(backboneEvents, { partitions: 3 });
  ({ database, kafka, admin } = backbone);
  await sql`create table widgets (id uuid primary key, name text not null)`.execute(database.owner);
  reader = await readTopics(kafka.kafka, [topicFor(kafka.prefix, 'resource.discovered'), topicFor(kafka.prefix, 'cost.aggregated')]);
});

afterAll(async () => {
  await Promise.all(relays.map((relay) => relay.stop()));
  await reader?.stop();
  await backbone?.close();
});

describe('outbox and relay', () => {
  it('publishes events committed with a state change, with their headers, keyed and in order', async () => {
    const discovered = samples()['resource.discovered'];
    const envelopes = await database.owner.transaction().execute(async (trx) => {
      await sql`insert into widgets (id, name) values (${discovered.resource.id}, 'web-1')`.execute(trx);
      const first = await outboxOf('ingestion').publish(trx, 'resource.discovered', { tenant, data: discovered });
      const rest = await outboxOf('ingestion').publishMany(trx, ['running', 'stopped', 'running'].map((state) => ({
          type: 'resource.discovered' as const,
          tenant,
          data: { ...discovered, resource: { ...discovered.resource, state } },
        })),
      );
      return [first, ...rest];
    });
    const relay = startRelay('ingestion');
    await relay.start();

    const messages = await eventually(() => {
      const found = envelopes.map((envelope) => received(envelope.id));
      expect(found.every(Boolean)).toBe(true);
      return found.map((entry) => entry!);
    });
    for (const [index, { topic, message }] of messages.entries()) {
      const envelope = envelopes[index]!;
      expect(topic).toBe(`${kafka.prefix}resource.discovered`);
      expect(message.key?.toString()).toBe(discovered.resource.id);
      expect(message.headers?.['event-type']?.toString()).toBe('resource.discovered');
      expect(message.headers?.['event-version']?.toString()).toBe('1');
      expect(JSON.parse(message.value!.toString())).toEqual(envelope);
    }
    // One key, one partition, publication order.
    expect(new Set(messages.map((entry) => entry.partition)).size).toBe(1);
    const offsets = messages.map((entry) => BigInt(entry.message.offset));
    expect([...offsets].sort((a, b) => (a < b ? -1 : 1))).toEqual(offsets);

    // publish wrote a chunk of one, publishMany one chunk of three.
    const chunks = await database.owner.selectFrom('event_outbox').select(['event_ids', 'published_at', 'attempts']).where('producer', '=', 'ingestion').orderBy('seq').execute();
    expect(chunks.map((chunk) => chunk.event_ids)).toEqual([[envelopes[0]!.id], envelopes.slice(1).map((envelope) => envelope.id)]);
    expect(chunks.every((chunk) => chunk.published_at !== null && chunk.attempts === 0)).toBe(true);
    const events = await database.owner.selectFrom('event_outbox_events').select(['id', 'envelope']).where('producer', '=', 'ingestion').orderBy('seq').orderBy('position').execute();
    expect(events).toEqual(envelopes.map((envelope) => ({ id: envelope.id, envelope })));
    // The counters move once the round's transaction commits, a moment after Kafka has the messages.
    await eventually(async () => expect(await relay.metrics()).toMatchObject({ published: 4, failures: 0, lagMs: 0 }));
  });

  it('keeps events of different trace contexts in different chunks, each with its own headers', async () => {
    const day = samples()['cost.aggregated'];
    const [a, b] = ['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'];
    // Looked at inside the transaction, which then rolls back: no relay is to publish these.
    const rolledBack = new Error('rolled back on purpose');
    await expect(
      database.owner.transaction().execute(async (trx) => {
        const events = await outboxOf('cost').publishMany(trx, [a, a, b].map((traceparent) => ({ type: 'cost.aggregated' as const, tenant, data: day, traceparent })));
        const ids = events.map((event) => event.id);
        const chunks = await trx.selectFrom('event_outbox').select(['event_ids', 'headers']).where('event_ids', '&&', sql<string[]>`${ids}::uuid[]`).orderBy('seq').execute();
        expect(chunks).toEqual([
          { event_ids: [events[0]!.id, events[1]!.id], headers: { traceparent: a } },
          { event_ids: [events[2]!.id], headers: { traceparent: b } },
        ]);
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
  });

  it('never publishes an event whose transaction rolled back', async () => {
    const relay = startRelay('cost');
    await relay.start();
    let rolledBack: EventEnvelope | undefined;
    await expect(
      database.owner.transaction().execute(async (trx) => {
        rolledBack = await outboxOf('cost').publish(trx, 'cost.aggregated', { tenant, data: samples()['cost.aggregated'] });
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    const committed = await database.owner
      .transaction()
      .execute((trx) => outboxOf('cost').publish(trx, 'cost.aggregated', { tenant, data: samples()['cost.aggregated'] }));

    // The relay has handled everything committed before and after the rolled-back one.
    await eventually(() => expect(received(committed.id)).toBeDefined());
    expect(rolledBack).toBeDefined();
    expect(received(rolledBack!.id)).toBeUndefined();
    const row = await database.owner.selectFrom('event_outbox_events').select('id').where('id', '=', rolledBack!.id).executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('publishes an event whose transaction took its seq first but committed after later ones', async () => {
    const relay = startRelay('action-executor');
    await relay.start();
    let releaseSlow!: () => void;
    const slowMayCommit = new Promise<void>((resolve) => (releaseSlow = resolve));
    let slowPublished!: () => void;
    const slowHasSeq = new Promise<void>((resolve) => (slowPublished = resolve));
    const slow = database.owner.transaction().execute(async (trx) => {
      const envelope = await outboxOf('action-executor').publish(trx, 'cost.aggregated', { tenant, data: samples()['cost.aggregated'] });
      slowPublished();
      await slowMayCommit;
      return envelope;
    });
    await slowHasSeq;
    const fast = await database.owner
      .transaction()
      .execute((trx) => outboxOf('action-executor').publish(trx, 'cost.aggregated', { tenant, data: samples()['cost.aggregated'] }));
    // The relay moves past the fast event's higher seq while the slow one is still uncommitted...
    await eventually(() => expect(received(fast.id)).toBeDefined());
    releaseSlow();
    const late = await slow;
    // ...and still publishes the slow one once it commits.
    await eventually(() => expect(received(late.id)).toBeDefined());
  });

  it('records failed sends, backs off, and publishes once Kafka accepts them', async () => {
    // A prefix whose topics do not exist yet: the broker refuses every send.
    const prefix = `${kafka.prefix}late.`;
    const relay = startRelay('recommendation', prefix);
    await relay.start();
    const event = await database.owner.transaction().execute((trx) =>
      outboxOf('recommendation').publish(trx, 'cost.aggregated', { tenant, data: samples()['cost.aggregated'] }),
    );

    const failed = await eventually(
      async () => {
        const row = await database.owner.selectFrom('event_outbox_events').selectAll().where('id', '=', event.id).executeTakeFirstOrThrow();
        expect(row.attempts).toBeGreaterThanOrEqual(1);
        return row;
      },
      { timeoutMs: 45_000 },
    );
    expect(failed.published_at).toBeNull();
    expect(failed.last_error).toMatch(/./);
    const metrics = await relay.metrics();
    expect(metrics.failures).toBeGreaterThanOrEqual(1);
    expect(metrics.lagMs).toBeGreaterThan(0);

    await ensureTopics(admin, { prefix, partitions: 1 });
    const late = await readTopics(kafka.kafka, [topicFor(prefix, 'cost.aggregated')]);
    try {
      await eventually(
        () => expect(late.messages.map((entry) => entry.message.headers?.['event-id']?.toString())).toContain(event.id),
        { timeoutMs: 45_000 },
      );
    } finally {
      await late.stop();
    }
    await eventually(async () => expect(await relay.metrics()).toMatchObject({ consecutiveFailures: 0, lagMs: 0 }));
  }, 120_000);

  it('lets only one relay of a producer publish at a time, and every event exactly once from the outbox', async () => {
    const [a, b] = [startRelay('audit'), startRelay('audit')];
    await Promise.all([a.start(), b.start()]);
    const events = await database.owner.transaction().execute((trx) =>
      outboxOf('audit').publishMany(trx, Array.from({ length: 300 }, () => ({ type: 'cost.aggregated' as const, tenant, data: samples()['cost.aggregated'] })),
      ),
    );
    await eventually(() => expect(events.every((event) => received(event.id))).toBe(true));
    const ids = reader.messages.map((entry) => entry.message.headers?.['event-id']?.toString());
    for (const event of events) expect(ids.filter((id) => id === event.id)).toHaveLength(1);
    await eventually(async () => {
      const [metricsA, metricsB] = await Promise.all([a.metrics(), b.metrics()]);
      expect(metricsA.published + metricsB.published).toBe(300);
    });
    await Promise.all([a.stop(), b.stop()]);
  });

  it('sends a chunk larger than one Kafka request in several, every event once and in order', async () => {
    // A producer whose other relays have stopped: none may pick the chunk up with larger requests.
    const relay = startRelay('audit', kafka.prefix, { maxBatchBytes: 20_000 });
    await relay.start();
    const day = samples()['cost.aggregated'];
    const events = await database.owner.transaction().execute((trx) =>
      outboxOf('audit').publishMany(trx, Array.from({ length: 200 }, (_, index) => ({ type: 'cost.aggregated' as const, tenant, data: { ...day, total: `${index}.000000` } }))),
    );
    const chunks = await database.owner.selectFrom('event_outbox').select('seq').where('event_ids', '@>', sql<string[]>`array[${events[0]!.id}]::uuid[]`).execute();
    expect(chunks).toHaveLength(1);
    const messages = await eventually(() => {
      const found = events.map((event) => reader.messages.filter((entry) => entry.message.headers?.['event-id']?.toString() === event.id));
      expect(found.every((copies) => copies.length === 1)).toBe(true);
      return found.map((copies) => copies[0]!);
    });
    // One account, one key: the partition holds them in publication order.
    const offsets = messages.map((entry) => BigInt(entry.message.offset));
    expect([...offsets].sort((a, b) => (a < b ? -1 : 1))).toEqual(offsets);
    await relay.stop();
  });

  it('prunes published outbox rows past their age, never unpublished ones', async () => {
    await relays[0]!.stop();
    const pending = await database.owner
      .transaction()
      .execute((trx) => outboxOf('ingestion').publish(trx, 'cost.aggregated', { tenant, data: samples()['cost.aggregated'] }));
    const published = await database.owner.selectFrom('event_outbox').select(['seq', 'producer']).where('published_at', 'is not', null).execute();
    expect(published.length).toBeGreaterThan(0);
    const producers = [...new Set(published.map((row) => row.producer as ServiceName))];
    const prune = async (olderThan: Date) => {
      let deleted = 0;
      for (const producer of producers) deleted += await pruneOutbox(database.owner, producer, { olderThan, batchSize: 2 });
      return deleted;
    };

    expect(await prune(new Date(Date.now() - 60_000))).toBe(0);
    expect(await prune(new Date(Date.now() + 60_000))).toBe(published.length);
    const left = await database.owner.selectFrom('event_outbox_events').select('id').execute();
    expect(left.map((row) => row.id)).toEqual([pending.id]);
  });
});
