import { randomUUID } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deadLetterMessage,
  deadLetterTopicOf,
  ensureTopics,
  eventTypes,
  topicFor,
  type DeadLetterReason,
  type EventType,
} from '@stratus/events';
import { createTestKafka, eventually, readTopics, type ReadMessage, type TestKafka } from '@stratus/testing';
import { stratus } from '../../test/run-cli.ts';

let kafka: TestKafka;
let admin: Admin;
let producer: Producer;
let env: Record<string, string>;

const stopped = { id: randomUUID(), value: JSON.stringify({ action_type: 'stop', note: 'refused by the executor' }) };
const audited = { id: randomUUID(), value: JSON.stringify({ action_type: 'scale', note: 'refused by audit' }) };
const executor = () => `${kafka.prefix}stratus-action-executor`;
const audit = () => `${kafka.prefix}stratus-audit`;

/**
 * Publishes originals and dead-letters each as a consumer of `group` would: the dead letter is
 * built from the message as read back from Kafka, so its original offset and headers are real.
 */
async function deadLetter(type: EventType, letters: { value: string; eventId?: string; reason: DeadLetterReason; group: string }[]) {
  const topic = topicFor(kafka.prefix, type);
  await producer.send({
    topic,
    messages: letters.map(({ value, eventId }) => ({ key: 'k', value, headers: eventId ? { 'event-id': eventId } : {} })),
  });
  const originals = await readBack(topic, letters.length);
  for (const [index, { reason, group }] of letters.entries()) {
    await producer.send({
      topic: deadLetterTopicOf(topic),
      messages: [deadLetterMessage(originals[index]!.message, { reason, error: `${reason} in ${group}\n    at handler`, consumerGroup: group, topic, partition: 0 })],
    });
  }
}

async function readBack(topic: string, count: number): Promise<ReadMessage[]> {
  const reader = await readTopics(kafka.kafka, [topic]);
  try {
    return await eventually(() => {
      expect(reader.messages).toHaveLength(count);
      return reader.messages;
    });
  } finally {
    await reader.stop();
  }
}

async function highOffset(topic: string): Promise<string> {
  const [partition] = await admin.fetchTopicOffsets(topic);
  return partition!.high;
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  kafka = createTestKafka();
  env = { KAFKA_BROKERS: kafka.brokers.join(','), KAFKA_TOPIC_PREFIX: kafka.prefix };
  admin = kafka.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { prefix: kafka.prefix, partitions: 1 });
  producer = kafka.kafka.producer();
  await producer.connect();
  await deadLetter('cost.ingested', [{ value: 'this is not JSON', reason: 'invalid_envelope', group: `${kafka.prefix}stratus-cost` }]);
  await deadLetter('action.requested', [
    { value: stopped.value, eventId: stopped.id, reason: 'handler_failed', group: executor() },
    { value: audited.value, eventId: audited.id, reason: 'handler_failed', group: audit() },
  ]);
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await kafka?.cleanup();
});

describe('stratus dead-letters list', () => {
  it('lists every type, oldest first, with the reason, group, origin and first line of the error', async () => {
    const run = await stratus(['dead-letters', 'list'], env);

    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^FAILED_AT\s+EVENT_TYPE\s+EVENT_ID\s+REASON\s+CONSUMER_GROUP\s+ORIGINAL\s+ERROR$/);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(new RegExp(`cost\\.ingested\\s+-\\s+invalid_envelope\\s+${kafka.prefix}stratus-cost\\s+${kafka.prefix}cost\\.ingested/0@0\\s+invalid_envelope in `));
    expect(rows[1]).toMatch(new RegExp(`action\\.requested\\s+${stopped.id}\\s+handler_failed\\s+${executor()}\\s+${kafka.prefix}action\\.requested/0@0`));
    expect(rows[2]).toMatch(new RegExp(`action\\.requested\\s+${audited.id}\\s+handler_failed\\s+${audit()}\\s+${kafka.prefix}action\\.requested/0@1`));
    expect(run.stdout).not.toContain('at handler');
    expect(rows[3]).toBe('3 dead letters');
  });

  it('prints JSON lines with the original value as text, the count on stderr, and honours --limit', async () => {
    const all = await stratus(['dead-letters', 'list', 'action.requested', '--json'], env);
    const limited = await stratus(['dead-letters', 'list', 'action.requested', 'cost.ingested', '--json', '--limit', '1'], env);

    expect(all.code).toBe(0);
    expect(jsonLines(all.stdout)).toMatchObject([
      { event_type: 'action.requested', event_id: stopped.id, reason: 'handler_failed', consumer_group: executor(), value: stopped.value, error: `handler_failed in ${executor()}\n    at handler` },
      { event_id: audited.id, consumer_group: audit(), value: audited.value, original_offset: '1' },
    ]);
    expect(all.stderr.trim()).toBe('2 dead letters');
    expect(jsonLines(limited.stdout)).toMatchObject([{ event_type: 'cost.ingested', event_id: null, value: 'this is not JSON' }]);
    expect(limited.stderr).toContain('there may be more (raise --limit)');
  });

  it('says so when a type has none', async () => {
    const run = await stratus(['dead-letters', 'list', 'resource.removed'], env);

    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('no dead letters for resource.removed');
  });
});

describe('stratus dead-letters replay', () => {
  // Runs in order: a dry run, then replays that each add to the topic.
  const topic = () => topicFor(kafka.prefix, 'action.requested');

  it('shows with --dry-run what it would replay, and sends nothing', async () => {
    const run = await stratus(['dead-letters', 'replay', 'action.requested', '--reason', 'handler_failed', '--dry-run'], env);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(stopped.id);
    expect(run.stdout).toContain(audited.id);
    expect(run.stdout).toContain(`dry run: would replay 2 dead letters of action.requested to ${topic()}; nothing was sent`);
    expect(await highOffset(topic())).toBe('2');
  });

  it('replays only the letters the filters select, back onto the original topic', async () => {
    const none = await stratus(['dead-letters', 'replay', 'action.requested', '--reason', 'invalid_data'], env);
    expect(none.stdout).toContain('no dead letters of action.requested match: nothing replayed');

    const run = await stratus(['dead-letters', 'replay', 'action.requested', '--consumer-group', audit(), '--event-id', audited.id, stopped.id], env);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`replayed 1 dead letter of action.requested to ${topic()}`);
    expect(run.stdout).toContain('Consumers skip event ids they have already applied');
    const [, , replayed] = await readBack(topic(), 3);
    expect(replayed!.message.value?.toString()).toBe(audited.value);
    expect(replayed!.message.headers?.['event-id']?.toString()).toBe(audited.id);
    expect(replayed!.message.headers?.['dlq-reason']).toBeUndefined();
  });

  it('names event ids that match no dead letter', async () => {
    const missing = randomUUID();
    const run = await stratus(['dead-letters', 'replay', 'action.requested', '--event-id', missing], env);

    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`no dead letter of action.requested matching these filters has event id ${missing}`);
    expect(await highOffset(topic())).toBe('3');
  });
});

describe('stratus dead-letters, bad input', () => {
  it.each([
    [['dead-letters', 'list', 'cost.ingested', 'costs.ingested']],
    [['dead-letters', 'replay', 'action.request']],
  ])('exits 2 naming the valid event types: %j', async (args) => {
    const run = await stratus(args, env);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Allowed choices are ${eventTypes.join(', ')}.`);
  });

  it.each([
    [['dead-letters', 'replay', 'action.requested', '--reason', 'crashed'], /Allowed choices are invalid_envelope, unknown_version, invalid_data, handler_failed, rejected/],
    [['dead-letters', 'list', '--limit', '0'], /give a positive whole number/],
    [['dead-letters', 'replay'], /missing required argument 'event-type'/],
  ])('exits 2 with a clear error: %j', async (args, message) => {
    const run = await stratus(args, env);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('exits 2 naming KAFKA_BROKERS and an example when it is missing', async () => {
    const run = await stratus(['dead-letters', 'list'], {});

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('KAFKA_BROKERS is not set: must be a comma-separated host:port list (e.g. 127.0.0.1:9092');
  });

  it('exits 1 with one line, no stack trace, when no broker answers', async () => {
    const run = await stratus(['dead-letters', 'replay', 'action.requested'], { KAFKA_BROKERS: '127.0.0.1:1' });

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'stratus: cannot reach Kafka at 127.0.0.1:1 (KAFKA_BROKERS): Connection error: connect ECONNREFUSED 127.0.0.1:1. ' +
        'Start a broker (scripts/kafka.sh start) or fix KAFKA_BROKERS.',
    );
  });

  it('exits 1 pointing at KAFKA_TOPIC_PREFIX when the dead-letter topics do not exist', async () => {
    const run = await stratus(['dead-letters', 'list', 'cost.ingested'], { ...env, KAFKA_TOPIC_PREFIX: `${kafka.prefix}other.` });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no topic ${kafka.prefix}other.cost.ingested.dlq on this cluster: set KAFKA_TOPIC_PREFIX`);
    const all = await stratus(['dead-letters', 'list'], { ...env, KAFKA_TOPIC_PREFIX: `${kafka.prefix}other.` });
    expect(all.stderr).toContain(`no topic ${kafka.prefix}other.${eventTypes[0]}.dlq and ${eventTypes.length - 1} more on this cluster`);
  });

  it('prints help for each command', async () => {
    for (const args of [['dead-letters', '--help'], ['dead-letters', 'list', '--help'], ['dead-letters', 'replay', '--help']]) {
      const run = await stratus(args, {});
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: stratus dead-letters/);
    }
  });
});
