import { randomUUID } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestDatabase, type TestKafka } from '@stratus/testing';
import { buildEvent, createConsumer, deadLetterTopicOf, readDeadLetters, topicFor, type EventConsumer, type EventEnvelope } from '../src/index.ts';
import { testLogger } from './logger.ts';
import { samples } from './samples.ts';
import { closeBackbone, openBackbone } from './fixtures/backbone.ts';

let database: TestDatabase;
let kafka: TestKafka;
let admin: Admin;
let producer: Producer;
let consumer: EventConsumer;
const tenant = randomUUID();
const received: EventEnvelope<'recommendation.created'>[] = [];

beforeAll(async () => {
  ({ database, kafka, admin } = await openBackbone(1));
  producer = kafka.kafka.producer();
  await producer.connect();
  consumer = createConsumer({
    kafka: kafka.kafka,
    db: database.owner,
    groupId: `${kafka.prefix}notifier`,
    topicPrefix: kafka.prefix,
    handlers: {
      'recommendation.created': async (event) => {
        received.push(event);
      },
    },
    logger: testLogger,
    retryBackoffMs: 10,
    fromBeginning: true,
  });
  await consumer.start();
});

afterAll(async () => {
  await consumer?.stop();
  await producer?.disconnect();
  await closeBackbone({ database, kafka, admin });
});

describe('event versions', () => {
  it('hands a v1 event on the topic to the handler as v2, and dead-letters a version the consumer does not know', async () => {
    const topic = topicFor(kafka.prefix, 'recommendation.created');
    const current = buildEvent('recommendation.created', { tenant, data: { ...samples()['recommendation.created'], priority: 1 } }).envelope;
    // As a producer of before v2 published it, and as one of after this consumer's time might.
    const v1 = { ...current, version: 1, data: { ...current.data, priority: 'low' } };
    const v3 = { ...current, id: randomUUID(), version: 3, data: { ...current.data, priority: { level: 'low' } } };
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
    expect(received).toEqual([current]);
    expect(received[0]).toMatchObject({ version: 2, data: { priority: 1 } });
    expect(letter).toMatchObject({ reason: 'unknown_version', eventId: v3.id, originalOffset: '1' });
    expect(letter!.error).toContain('version 3 is newer than this consumer');
    // The letter keeps the event as it was sent, for a replay once consumers read v3.
    expect(JSON.parse(letter!.value!.toString())).toEqual(v3);
    expect(consumer.metrics()).toMatchObject({ processed: 1, retries: 0, deadLettered: 1 });
  });
});
