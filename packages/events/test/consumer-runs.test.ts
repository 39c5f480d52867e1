/**
 * Runs: consecutive commuting events whose handler has applyMany are applied in one transaction a
 * run at a time, in partition order, exactly once; events applied before (a redelivery) are left
 * out of the run; a run that fails is applied again one event at a time, so only the bad event is
 * dead-lettered and the others' effects are there once.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, openBackbone, type Backbone, type TestDatabase, type TestKafka } from '@stratus/testing';
import { createConsumer, deadLetterTopicOf, inRuns, outboxOf, readDeadLetters, topicFor, type EventConsumer, type EventEnvelope } from '../src/index.ts';
import { countEffect, createEffectTable, effectCount } from './fixtures/effect-counter.ts';

/** Events of one account share a subject: the effect is counted per event instead. */
const perEvent = <E extends EventEnvelope>(event: E): E => ({ ...event, subject: event.id });
import { testLogger } from './logger.ts';
import { samples } from './samples.ts';
import * as backboneEvents from '../src/index.ts';

let database: TestDatabase;
let kafka: TestKafka;
let backbone: Backbone<Logger> | undefined;
let consumer: EventConsumer | undefined;
const tenant = randomUUID();

beforeAll(async () => {
  // One partition: every event below is on it, in publication order.
  backbone = await openBackbone(backboneEvents, { partitions: 1 });
  ({ database, kafka } = backbone);
  await createEffectTable(database.owner);
  await backbone.startRelay('cost', testLogger);
});

afterAll(async () => {
  await consumer?.stop();
  await backbone?.close();
});

it('applies runs of commuting events in one transaction each, in order, exactly once, and a bad one alone', async () => {
  const [a, b] = [randomUUID(), randomUUID()];
  // 12 of account a, 1 of b, 5 of a: runs of at most 5 split the first dozen.
  const accounts = [...Array<string>(12).fill(a), b, ...Array<string>(5).fill(a)];
  const events = await database.owner.transaction().execute((trx) =>
    outboxOf('cost').publishMany(trx, accounts.map((cloud_account_id) => ({ type: 'cost.aggregated' as const, tenant, data: { ...samples()['cost.aggregated'], cloud_account_id } }))),
  );
  const label = new Map(events.map((event, index) => [event.id, index]));
  // Applied before a crash: a redelivery leaves them out of their run.
  const groupId = `${kafka.prefix}runs`;
  await database.owner.insertInto('processed_events').values([2, 3].map((index) => ({ consumer_group: groupId, event_id: events[index]!.id }))).execute();
  const bad = events[15]!.id;

  const runs: number[][] = [];
  consumer = createConsumer({
    kafka: kafka.kafka,
    db: database.owner,
    groupId,
    topicPrefix: kafka.prefix,
    fromBeginning: true,
    concurrentMessages: 1,
    maxRunEvents: 5,
    maxAttempts: 2,
    retryBackoffMs: 10,
    logger: testLogger,
    handlers: {
      'cost.aggregated': inRuns(
        (event) => event.data.cloud_account_id,
        async (run: EventEnvelope<'cost.aggregated'>[], trx) => {
          runs.push(run.map((event) => label.get(event.id)!));
          for (const event of run) await countEffect(perEvent(event), trx);
          if (run.some((event) => event.id === bad)) throw new Error('this event cannot be applied');
        },
      ),
    },
  });
  await consumer.start();
  await eventually(() => expect(consumer!.metrics().processed + consumer!.metrics().duplicates + consumer!.metrics().deadLettered).toBe(events.length), { timeoutMs: 30_000 });

  expect(runs.slice(0, 4)).toEqual([[0, 1, 4], [5, 6, 7, 8, 9], [10, 11], [12]]);
  // The last run failed, was rolled back, and its events were applied one at a time: 15 failed twice.
  expect(runs.slice(4)).toEqual([[13, 14, 15, 16, 17], [13], [14], [15], [15], [16], [17]]);
  expect(consumer.metrics()).toMatchObject({ processed: events.length - 3, duplicates: 2, deadLettered: 1 });
  for (const [index, event] of events.entries()) {
    expect(await effectCount(database.owner, event.id), `event ${index}`).toBe([2, 3, 15].includes(index) ? 0 : 1);
  }
  const letters = await readDeadLetters(kafka.kafka, { topic: deadLetterTopicOf(topicFor(kafka.prefix, 'cost.aggregated')) });
  expect(letters.map((letter) => [JSON.parse(letter.value!.toString()).id, letter.reason, letter.error])).toEqual([[bad, 'handler_failed', 'this event cannot be applied']]);
});
