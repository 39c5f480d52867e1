import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, type TestDatabase, type TestKafka, openBackbone, type Backbone } from '@stratus/testing';
import { commuting, createConsumer, OutboxRelay, outboxOf, type EventConsumer } from '../src/index.ts';
import { testLogger } from './logger.ts';
import { samples } from './samples.ts';
import * as backboneEvents from '../src/index.ts';

let database: TestDatabase;
let kafka: TestKafka;
let admin: Admin;
let backbone: Backbone<Logger> | undefined;
let relay: OutboxRelay;
let consumer: EventConsumer | undefined;
const tenant = randomUUID();

beforeAll(async () => {
  // One partition: every event below is on it, in publication order.
  backbone = await openBackbone(backboneEvents, { partitions: 1 });
  ({ database, kafka, admin } = backbone);
  relay = new OutboxRelay({ db: database.owner, listenUrl: database.url, kafka: kafka.kafka, producer: 'cost', topicPrefix: kafka.prefix, logger: testLogger });
  await relay.start();
});

afterAll(async () => {
  await consumer?.stop();
  await relay?.stop();
  await backbone?.close();
});

it('applies consecutive commuting events at once, and everything else one at a time, in partition order', async () => {
  const [a, b] = [randomUUID(), randomUUID()];
  const accounts = [a, a, b, a, a, a];
  const events = await database.owner.transaction().execute((trx) =>
    outboxOf('cost').publishMany(trx, accounts.map((cloud_account_id) => ({ type: 'cost.aggregated' as const, tenant, data: { ...samples()['cost.aggregated'], cloud_account_id } })),
    ),
  );
  await eventually(async () => expect((await relay.metrics()).lagMs).toBe(0));

  const label = new Map(events.map((event, index) => [event.id, `${index}`]));
  const log: string[] = [];
  consumer = createConsumer({
    kafka: kafka.kafka,
    db: database.owner,
    groupId: `${kafka.prefix}commuting`,
    topicPrefix: kafka.prefix,
    fromBeginning: true,
    concurrentMessages: 2,
    logger: testLogger,
    handlers: {
      // Same account: commuting. Long enough that events started together are seen to overlap.
      'cost.aggregated': commuting(
        (event) => event.data.cloud_account_id,
        async (event) => {
          log.push(`start ${label.get(event.id)}`);
          await sleep(200);
          log.push(`end ${label.get(event.id)}`);
        },
      ),
    },
  });
  await consumer.start();
  await eventually(() => expect(consumer!.metrics().processed).toBe(events.length), { timeoutMs: 20_000 });

  // 0 and 1 together; 2 (another account) alone; 3 and 4 together, 5 after them (two at most).
  const groups = [['0', '1'], ['2'], ['3', '4'], ['5']];
  const expected = groups.flatMap((group) => [...group.map((id) => `start ${id}`), ...group.map((id) => `end ${id}`)]);
  expect(sortedWithinGroups(log, groups)).toEqual(expected);
});

/** The log with the starts of each group, and its ends, each in id order: which of two running events ends first is not ordered. */
function sortedWithinGroups(log: string[], groups: string[][]): string[] {
  const result = [...log];
  let position = 0;
  for (const group of groups) {
    for (const kind of ['start', 'end']) {
      const slice = result.slice(position, position + group.length).sort();
      result.splice(position, group.length, ...slice);
      expect(slice.every((entry) => entry.startsWith(kind)), `${log.join(', ')}`).toBe(true);
      position += group.length;
    }
  }
  return result;
}
