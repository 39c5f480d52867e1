import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelayThread, outboxOf, topicFor, type OutboxRelayThreadOptions } from '../src/index.ts';
import { eventually, readTopics, type KafkaReader, type TestDatabase, type TestKafka, openBackbone, type Backbone } from '@stratus/testing';
import { samples } from './samples.ts';
import * as backboneEvents from '../src/index.ts';

let database: TestDatabase;
let kafka: TestKafka;
let admin: Admin;
let backbone: Backbone<Logger> | undefined;
let reader: KafkaReader;
const threads: OutboxRelayThread[] = [];
const tenant = randomUUID();

/** A logger whose lines the test reads: the thread's lines must arrive here. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

function relayThread(options: Partial<OutboxRelayThreadOptions> & Pick<OutboxRelayThreadOptions, 'producer' | 'logger'>): OutboxRelayThread {
  const thread = new OutboxRelayThread({
    databaseUrl: database.url,
    role: 'stratus_ingestion',
    kafka: { clientId: 'relay-thread-test', brokers: kafka.brokers },
    topicPrefix: kafka.prefix,
    backoff: { initialMs: 50, maxMs: 500 },
    ...options,
  });
  threads.push(thread);
  return thread;
}

beforeAll(async () => {
  backbone = await openBackbone(backboneEvents, { partitions: 3 });
  ({ database, kafka, admin } = backbone);
  reader = await readTopics(kafka.kafka, [topicFor(kafka.prefix, 'cost.aggregated')]);
});

afterAll(async () => {
  await Promise.all(threads.map((thread) => thread.stop()));
  await reader?.stop();
  await backbone?.close();
});

describe('the outbox relay on a worker thread', () => {
  it('publishes what is committed to the outbox, reports its metrics, and ends its thread on stop', async () => {
    const { logger } = capturingLogger();
    const thread = relayThread({ producer: 'cost', logger });
    await thread.start();
    const envelopes = await database.owner
      .transaction()
      .execute((trx) => outboxOf('cost').publishMany(trx, Array.from({ length: 50 }, () => ({ type: 'cost.aggregated' as const, tenant, data: samples()['cost.aggregated'] }))));

    await eventually(() => {
      const ids = new Set(reader.messages.map((entry) => entry.message.headers?.['event-id']?.toString()));
      expect(envelopes.filter((envelope) => !ids.has(envelope.id))).toEqual([]);
    });
    await eventually(async () => expect(await thread.metrics()).toMatchObject({ running: true, published: 50, failures: 0, lagMs: 0 }));

    await thread.stop();
    expect(await thread.metrics()).toMatchObject({ running: false, published: 50 });
    // Stopped means stopped: a later event waits in the outbox for the next relay.
    const later = await database.owner
      .transaction()
      .execute((trx) => outboxOf('cost').publishMany(trx, [{ type: 'cost.aggregated', tenant, data: samples()['cost.aggregated'] }]));
    const row = await database.owner.selectFrom('event_outbox_events').select('published_at').where('id', '=', later[0]!.id).executeTakeFirstOrThrow();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(row.published_at).toBeNull();
    expect(reader.messages.some((entry) => entry.message.headers?.['event-id']?.toString() === later[0]!.id)).toBe(false);
  });

  it('drains a backlog of the largest events within its heap budget', async () => {
    const { logger } = capturingLogger();
    const thread = relayThread({ producer: 'ingestion', logger });
    await thread.start();
    // Cost import batches as a 5M-row file makes them: a thousand rows with tags, ~400 kB each, and
    // more of them than several rounds carry, so the thread's heap is what a long import needs.
    const sample = samples()['cost.ingested'];
    const rows = Array.from({ length: 1000 }, (_, index) => ({ ...sample.rows[0]!, provider_resource_id: `i-${index}`, tags: { team: `team-${index % 40}`, env: 'prod', 'cost-center': `cc-${index % 20}` } }));
    const events = Array.from({ length: 60 }, (_, index) => ({
      type: 'cost.ingested' as const,
      tenant,
      data: { ...sample, batch: { index, final: false }, summary: undefined, rows },
    }));
    const envelopes = await database.owner.transaction().execute((trx) => outboxOf('ingestion').publishMany(trx, events));

    await eventually(async () => expect(await thread.metrics()).toMatchObject({ running: true, published: envelopes.length, failures: 0 }), { timeoutMs: 60_000 });
  });

  it("sends the thread's log lines to the service's logger, and its failures to metrics", async () => {
    const { logger, lines } = capturingLogger();
    // Topics that do not exist: every round fails, is logged and counted.
    const thread = relayThread({ producer: 'recommendation', logger, topicPrefix: `${kafka.prefix}missing.` });
    await thread.start();
    await database.owner
      .transaction()
      .execute((trx) => outboxOf('recommendation').publishMany(trx, [{ type: 'cost.aggregated', tenant, data: samples()['cost.aggregated'] }]));

    const metrics = await eventually(
      async () => {
        const current = await thread.metrics();
        expect(current.consecutiveFailures).toBeGreaterThanOrEqual(1);
        return current;
      },
      { timeoutMs: 45_000 },
    );
    expect(metrics).toMatchObject({ running: true, published: 0 });
    expect(metrics.lastError).toBeTruthy();
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 50, msg: 'outbox round failed', component: 'outbox-relay', producer: 'recommendation' }),
    );
  });

  it('rejects start() with the reason when the thread cannot start', async () => {
    const { logger } = capturingLogger();
    const thread = relayThread({ producer: 'audit', logger, role: 'stratus_nobody' as OutboxRelayThreadOptions['role'] });
    await expect(thread.start()).rejects.toThrow(/unknown role "stratus_nobody"/);
    expect(await thread.metrics()).toMatchObject({ running: false });
  });
});
