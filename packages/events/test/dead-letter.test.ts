import { randomUUID } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestDatabase, type TestKafka, openBackbone, type Backbone } from '@stratus/testing';
import {
  buildEvent,
  createConsumer,
  deadLetterTopicOf,
  readDeadLetters,
  replayDeadLetters,
  RejectedEventError,
  selectDeadLetters,
  topicFor,
  type EventConsumer,
  type EventEnvelope,
} from '../src/index.ts';
import { countEffect, createEffectTable, effectCount } from './fixtures/effect-counter.ts';
import { testLogger } from './logger.ts';
import { samples } from './samples.ts';
import * as backboneEvents from '../src/index.ts';

let database: TestDatabase;
let kafka: TestKafka;
let admin: Admin;
let backbone: Backbone<Logger> | undefined;
let producer: Producer;
let consumer: EventConsumer;
const tenant = randomUUID();
let actionsFail = true;
let unlinkAttempts = 0;
const recommendations: EventEnvelope<'recommendation.created'>[] = [];

beforeAll(async () => {
  backbone = await openBackbone(backboneEvents, { partitions: 1 });
  ({ database, kafka, admin } = backbone);
  await createEffectTable(database.owner);
  producer = kafka.kafka.producer();
  await producer.connect();
  consumer = createConsumer({
    kafka: kafka.kafka,
    db: database.owner,
    groupId: `${kafka.prefix}executor`,
    topicPrefix: kafka.prefix,
    handlers: {
      'cost.aggregated': countEffect,
      'action.requested': async (event, trx) => {
        if (actionsFail) throw new Error(`cloud API refused ${event.data.action_type}`);
        await countEffect(event, trx);
      },
      'cloud_account.unlinked': async (event) => {
        unlinkAttempts += 1;
        throw new RejectedEventError(`account ${event.data.cloud_account_id} was never linked here`);
      },
      'recommendation.created': async (event) => {
        recommendations.push(event);
      },
    },
    logger: testLogger,
    maxAttempts: 3,
    retryBackoffMs: 10,
    fromBeginning: true,
  });
  await consumer.start();
});

afterAll(async () => {
  await consumer?.stop();
  await producer?.disconnect();
  await backbone?.close();
});

async function committedOffset(topic: string): Promise<string | undefined> {
  const [offsets] = await admin.fetchOffsets({ groupId: `${kafka.prefix}executor`, topics: [topic] });
  return offsets?.partitions[0]?.offset;
}

describe('dead letters', () => {
  it('dead-letters what cannot be parsed, with the reason, and carries on with the next message', async () => {
    const topic = topicFor(kafka.prefix, 'cost.aggregated');
    const valid = buildEvent('cost.aggregated', { tenant, data: samples()['cost.aggregated'] });
    const badData = buildEvent('cost.aggregated', { tenant, data: samples()['cost.aggregated'] }).envelope;
    await producer.send({
      topic,
      messages: [
        { key: 'k1', value: 'this is not JSON', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } },
        { key: 'k2', value: JSON.stringify({ ...badData, data: { ...badData.data, total: 41.2 } }) },
        { key: valid.envelope.subject, value: valid.value },
      ],
    });

    await eventually(async () => expect(await effectCount(database.owner, valid.envelope.subject)).toBe(1));
    await eventually(async () => expect(await committedOffset(topic)).toBe('3'));

    const letters = await readDeadLetters(kafka.kafka, { topic: deadLetterTopicOf(topic) });
    expect(letters).toHaveLength(2);
    const [notJson, invalidData] = letters;
    expect(notJson).toMatchObject({
      reason: 'invalid_envelope',
      consumerGroup: `${kafka.prefix}executor`,
      originalTopic: topic,
      originalPartition: 0,
      originalOffset: '0',
    });
    expect(notJson!.error).toContain('not JSON');
    expect(notJson!.key?.toString()).toBe('k1');
    expect(notJson!.value?.toString()).toBe('this is not JSON');
    expect(notJson!.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(Date.parse(notJson!.failedAt)).not.toBeNaN();
    expect(invalidData).toMatchObject({ reason: 'invalid_data', originalOffset: '1' });
    expect(invalidData!.error).toContain('total');
    expect(consumer.metrics().deadLettered).toBeGreaterThanOrEqual(2);
  });

  it('retries a failing handler, dead-letters it after maxAttempts, and applies it when replayed', async () => {
    const topic = topicFor(kafka.prefix, 'action.requested');
    const event = buildEvent('action.requested', { tenant, data: samples()['action.requested'] });
    await producer.send({
      topic,
      messages: [{ key: event.envelope.subject, value: event.value, headers: { 'event-id': event.envelope.id } }],
    });

    const [letter] = await eventually(async () => {
      const found = await readDeadLetters(kafka.kafka, { topic: deadLetterTopicOf(topic) });
      expect(found).toHaveLength(1);
      return found;
    });
    expect(letter).toMatchObject({ reason: 'handler_failed', error: 'cloud API refused stop', eventId: event.envelope.id });
    expect(consumer.metrics().retries).toBe(2);
    expect(await effectCount(database.owner, event.envelope.subject)).toBe(0);
    await eventually(async () => expect(await committedOffset(topic)).toBe('1'));

    actionsFail = false;
    const select = selectDeadLetters({ eventIds: [event.envelope.id], reason: 'handler_failed' });
    const planned = await replayDeadLetters(kafka.kafka, { topic: deadLetterTopicOf(topic), select, dryRun: true });
    expect(planned.map((candidate) => candidate.eventId)).toEqual([event.envelope.id]);
    expect((await admin.fetchTopicOffsets(topic)).map((partition) => partition.high)).toEqual(['1']);

    const replayed = await replayDeadLetters(kafka.kafka, { topic: deadLetterTopicOf(topic), select });
    expect(replayed).toEqual(planned);
    await eventually(async () => expect(await effectCount(database.owner, event.envelope.subject)).toBe(1));
    await eventually(async () => expect(await committedOffset(topic)).toBe('2'));

    // Replaying again is harmless: the consumer has applied that event id.
    const duplicatesBefore = consumer.metrics().duplicates;
    await replayDeadLetters(kafka.kafka, { topic: deadLetterTopicOf(topic) });
    await eventually(() => expect(consumer.metrics().duplicates).toBe(duplicatesBefore + 1));
    expect(await effectCount(database.owner, event.envelope.subject)).toBe(1);
  });

  it('dead-letters an event its handler rejects at once, with the reason rejected and the message, without retrying', async () => {
    const topic = topicFor(kafka.prefix, 'cloud_account.unlinked');
    const event = buildEvent('cloud_account.unlinked', { tenant, data: samples()['cloud_account.unlinked'] });
    const retriesBefore = consumer.metrics().retries;
    await producer.send({ topic, messages: [{ key: event.envelope.subject, value: event.value, headers: { 'event-id': event.envelope.id } }] });

    const [letter] = await eventually(async () => {
      const found = await readDeadLetters(kafka.kafka, { topic: deadLetterTopicOf(topic) });
      expect(found).toHaveLength(1);
      return found;
    });
    expect(letter).toMatchObject({
      reason: 'rejected',
      error: `account ${event.envelope.data.cloud_account_id} was never linked here`,
      eventId: event.envelope.id,
    });
    expect(unlinkAttempts).toBe(1);
    expect(consumer.metrics().retries).toBe(retriesBefore);
    await eventually(async () => expect(await committedOffset(topic)).toBe('1'));
  });

  it('hands a v1 event on the topic to the handler as v2, and dead-letters a version the consumer does not know', async () => {
    const topic = topicFor(kafka.prefix, 'recommendation.created');
    const current = buildEvent('recommendation.created', { tenant, data: { ...samples()['recommendation.created'], priority: 1 } }).envelope;
    // As a producer of before v2 published it, and as one of after this consumer's time might.
    const v1 = { ...current, version: 1, data: { ...current.data, priority: 'low' } };
    const v3 = { ...current, id: randomUUID(), version: 3, data: { ...current.data, priority: { level: 'low' } } };
    const retriesBefore = consumer.metrics().retries;
    await producer.send({
      topic,
      messages: [
        { key: v1.subject, value: JSON.stringify(v1), headers: { 'event-id': v1.id, 'event-version': '1' } },
        { key: v3.subject, value: JSON.stringify(v3), headers: { 'event-id': v3.id, 'event-version': '3' } },
      ],
    });

    const [letter] = await eventually(async () => {
      const found = await readDeadLetters(kafka.kafka, { topic: deadLetterTopicOf(topic) });
      expect(found).toHaveLength(1);
      return found;
    });
    expect(recommendations).toEqual([current]);
    expect(recommendations[0]).toMatchObject({ version: 2, data: { priority: 1 } });
    expect(letter).toMatchObject({ reason: 'unknown_version', eventId: v3.id, originalOffset: '1' });
    expect(letter!.error).toContain('version 3 is newer than this consumer');
    // The letter keeps the event as it was sent, for a replay once consumers read v3.
    expect(JSON.parse(letter!.value!.toString())).toEqual(v3);
    expect(consumer.metrics().retries).toBe(retriesBefore);
    await eventually(async () => expect(await committedOffset(topic)).toBe('2'));
  });
});
