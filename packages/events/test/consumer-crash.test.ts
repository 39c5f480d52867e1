import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, type TestDatabase, type TestKafka, openBackbone, type Backbone } from '@stratus/testing';
import { createConsumer, OutboxRelay, outboxOf, topicFor, type EventConsumer } from '../src/index.ts';
import { countEffect, createEffectTable, effectCount } from './fixtures/effect-counter.ts';
import { testLogger } from './logger.ts';
import { samples } from './samples.ts';
import * as backboneEvents from '../src/index.ts';

let database: TestDatabase;
let kafka: TestKafka;
let admin: Admin;
let backbone: Backbone<Logger> | undefined;
let relay: OutboxRelay;
let survivor: EventConsumer | undefined;
const tenant = randomUUID();
const crashingConsumer = fileURLToPath(new URL('./fixtures/crashing-consumer.ts', import.meta.url));

beforeAll(async () => {
  backbone = await openBackbone(backboneEvents, { partitions: 1 });
  ({ database, kafka, admin } = backbone);
  await createEffectTable(database.owner);
  await sql`create table daily_totals (cloud_account_id uuid, day date, total numeric, primary key (cloud_account_id, day))`.execute(database.owner);
  relay = new OutboxRelay({
    db: database.owner,
    listenUrl: database.url,
    kafka: kafka.kafka,
    producer: 'cost',
    topicPrefix: kafka.prefix,
    logger: testLogger,
  });
  await relay.start();
});

afterAll(async () => {
  await survivor?.stop();
  await relay?.stop();
  await backbone?.close();
});

function runCrashingConsumer(groupId: string): Promise<{ signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(process.execPath, [crashingConsumer, database.url, kafka.brokers.join(','), kafka.prefix, groupId], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the crashing consumer never crashed:\n${output}`));
    }, 45_000);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ signal, output });
    });
  });
}

it('applies an event exactly once when the consumer is killed between its effect and its offset commit', async () => {
  const groupId = `${kafka.prefix}cost-effects`;
  const topic = topicFor(kafka.prefix, 'cost.aggregated');
  const data = samples()['cost.aggregated'];
  const event = await database.owner.transaction().execute(async (trx) => {
    await sql`insert into daily_totals (cloud_account_id, day, total) values (${data.cloud_account_id}, ${data.day}, ${data.total})`.execute(trx);
    return outboxOf('cost').publish(trx, 'cost.aggregated', { tenant, data });
  });

  const crash = await runCrashingConsumer(groupId);
  expect(crash.signal, crash.output).toBe('SIGKILL');
  expect(crash.output).toContain(`applied ${event.id}`);
  // The effect is durable, the offset is not: exactly the window a redelivery comes from.
  expect(await effectCount(database.owner, event.subject)).toBe(1);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  expect(committed?.partitions[0]?.offset).toBe('-1');

  survivor = createConsumer({
    kafka: kafka.kafka,
    db: database.owner,
    groupId,
    topicPrefix: kafka.prefix,
    handlers: { 'cost.aggregated': countEffect },
    logger: testLogger,
    fromBeginning: true,
    sessionTimeoutMs: 6000,
  });
  await survivor.start();

  await eventually(() => expect(survivor!.metrics().duplicates).toBe(1), { timeoutMs: 30_000 });
  expect(survivor.metrics().processed).toBe(0);
  expect(await effectCount(database.owner, event.subject)).toBe(1);
  await eventually(async () => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets?.partitions[0]?.offset).toBe('1');
  });

  // And the survivor applies what comes next, once.
  const next = await database.owner
    .transaction()
    .execute((trx) => outboxOf('cost').publish(trx, 'cost.aggregated', { tenant, data: samples()['cost.aggregated'] }));
  await eventually(async () => expect(await effectCount(database.owner, next.subject)).toBe(1));
  expect(survivor.metrics()).toMatchObject({ processed: 1, duplicates: 1 });
}, 90_000);
