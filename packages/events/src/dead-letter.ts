import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage, Message } from 'kafkajs';
import { headersText } from './kafka-headers.ts';
import { createIdempotentProducer } from './kafka-producer.ts';

/**
 * Why a message was dead-lettered: it is not an event (`invalid_envelope`), its version is one the
 * consumer does not read (`unknown_version`: newer than it, so replay it once the consumer is
 * upgraded), its data does not match its type's schema (`invalid_data`), its handler kept failing
 * (`handler_failed`), or its handler refused it for good (`rejected`, a RejectedEventError:
 * retrying cannot help).
 */
export const DEAD_LETTER_REASONS = ['invalid_envelope', 'unknown_version', 'invalid_data', 'handler_failed', 'rejected'] as const;

export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Headers a dead letter carries beside the original message's own. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  consumerGroup: 'dlq-consumer-group',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  failedAt: 'dlq-failed-at',
} as const;

/** Headers count towards Kafka's message size limit; a stack-sized error message must not. */
const MAX_ERROR_LENGTH = 4000;

export interface DeadLetterCause {
  reason: DeadLetterReason;
  error: string;
  consumerGroup: string;
  topic: string;
  partition: number;
}

/** The dead letter of a message: its original key, value and headers, plus why and where it failed. */
export function deadLetterMessage(original: KafkaMessage, cause: DeadLetterCause): Message {
  const headers: IHeaders = {
    ...withoutDeadLetterHeaders(original.headers),
    [DEAD_LETTER_HEADERS.reason]: cause.reason,
    [DEAD_LETTER_HEADERS.error]: cause.error.slice(0, MAX_ERROR_LENGTH),
    [DEAD_LETTER_HEADERS.consumerGroup]: cause.consumerGroup,
    [DEAD_LETTER_HEADERS.originalTopic]: cause.topic,
    [DEAD_LETTER_HEADERS.originalPartition]: String(cause.partition),
    [DEAD_LETTER_HEADERS.originalOffset]: original.offset,
    [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
  };
  return { key: original.key, value: original.value, headers };
}

export interface DeadLetter {
  /** Where the dead letter itself is. */
  topic: string;
  partition: number;
  offset: string;
  /** The original message's key and value, byte for byte. */
  key: Buffer | null;
  value: Buffer | null;
  /** Every header as text, the dlq-* ones included. */
  headers: Record<string, string>;
  reason: string;
  error: string;
  consumerGroup: string;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  failedAt: string;
  /** The event id, when the original carried one (from the relay's event-id header). */
  eventId: string | undefined;
}

export interface ReadDeadLettersOptions {
  /** The dead-letter topic, e.g. deadLetterTopicOf(topicFor(prefix, 'cost.ingested')). */
  topic: string;
  /** Stops after this many (oldest first). */
  limit?: number;
  timeoutMs?: number;
}

/**
 * The dead letters in a topic up to now, oldest first per partition. Reads through a throwaway
 * consumer group that commits nothing and is deleted afterwards, so inspection changes nothing.
 */
export async function readDeadLetters(kafka: Kafka, options: ReadDeadLettersOptions): Promise<DeadLetter[]> {
  const { topic, limit = Number.POSITIVE_INFINITY, timeoutMs = 30_000 } = options;
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Read up to the end as of now; letters arriving meanwhile are left for the next look.
    const ends = new Map<number, bigint>();
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(high) > BigInt(low)) ends.set(partition, BigInt(high));
    }
    if (ends.size === 0 || limit <= 0) return [];
    const groupId = `stratus-dlq-reader-${randomUUID()}`;
    try {
      return await collect(kafka, groupId, topic, ends, limit, timeoutMs);
    } finally {
      await admin.deleteGroups([groupId]).catch(() => {});
    }
  } finally {
    await admin.disconnect();
  }
}

async function collect(
  kafka: Kafka,
  groupId: string,
  topic: string,
  ends: Map<number, bigint>,
  limit: number,
  timeoutMs: number,
): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const pending = new Set(ends.keys());
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = ends.get(partition);
        if (end === undefined || !pending.has(partition) || letters.length >= limit) return;
        if (BigInt(message.offset) < end) letters.push(toDeadLetter(topic, partition, message));
        if (BigInt(message.offset) + 1n >= end) pending.delete(partition);
        if (pending.size === 0 || letters.length >= limit) finish();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`reading dead letters of ${topic} took longer than ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return letters;
}

function toDeadLetter(topic: string, partition: number, message: KafkaMessage): DeadLetter {
  const headers = headersText(message.headers);
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers,
    reason: headers[DEAD_LETTER_HEADERS.reason] ?? '',
    error: headers[DEAD_LETTER_HEADERS.error] ?? '',
    consumerGroup: headers[DEAD_LETTER_HEADERS.consumerGroup] ?? '',
    originalTopic: headers[DEAD_LETTER_HEADERS.originalTopic] ?? '',
    originalPartition: Number(headers[DEAD_LETTER_HEADERS.originalPartition] ?? -1),
    originalOffset: headers[DEAD_LETTER_HEADERS.originalOffset] ?? '',
    failedAt: headers[DEAD_LETTER_HEADERS.failedAt] ?? '',
    eventId: headers['event-id'],
  };
}

/** What an operator picks dead letters by; every criterion given must hold. */
export interface DeadLetterFilter {
  /** One of these event ids (so an empty list matches nothing). */
  eventIds?: readonly string[];
  reason?: DeadLetterReason;
  consumerGroup?: string;
}

/** A `select` for replayDeadLetters; the empty filter selects every letter. */
export function selectDeadLetters(filter: DeadLetterFilter): (letter: DeadLetter) => boolean {
  const eventIds = filter.eventIds && new Set(filter.eventIds);
  return (letter) =>
    (eventIds === undefined || (letter.eventId !== undefined && eventIds.has(letter.eventId))) &&
    (filter.reason === undefined || letter.reason === filter.reason) &&
    (filter.consumerGroup === undefined || letter.consumerGroup === filter.consumerGroup);
}

export interface ReplayDeadLettersOptions extends ReadDeadLettersOptions {
  /** Which dead letters to replay (default: all read). */
  select?: (letter: DeadLetter) => boolean;
  /** Returns what would be replayed, with the same checks, and sends nothing. */
  dryRun?: boolean;
}

/**
 * Republishes dead letters' original key, value and headers to their original topic. Safe to
 * repeat: consumers skip an event id they have already applied, and a letter that fails again is
 * dead-lettered again. The dead letters themselves stay (Kafka topics are append-only).
 */
export async function replayDeadLetters(kafka: Kafka, options: ReplayDeadLettersOptions): Promise<DeadLetter[]> {
  const { select = () => true, dryRun = false, ...read } = options;
  const letters = (await readDeadLetters(kafka, read)).filter(select);
  const unroutable = letters.find((letter) => letter.originalTopic === '');
  if (unroutable) {
    throw new Error(`dead letter ${unroutable.topic}/${unroutable.partition}@${unroutable.offset} has no ${DEAD_LETTER_HEADERS.originalTopic} header`);
  }
  if (letters.length === 0 || dryRun) return letters;
  const byTopic = new Map<string, Message[]>();
  for (const letter of letters) {
    const messages = byTopic.get(letter.originalTopic) ?? [];
    messages.push({ key: letter.key, value: letter.value, headers: withoutDeadLetterHeaders(letter.headers) });
    byTopic.set(letter.originalTopic, messages);
  }
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  try {
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  } finally {
    await producer.disconnect();
  }
  return letters;
}

function withoutDeadLetterHeaders(headers: IHeaders | Record<string, string> | undefined): IHeaders {
  const dlq = new Set<string>(Object.values(DEAD_LETTER_HEADERS));
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !dlq.has(name)));
}
