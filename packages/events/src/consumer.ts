import { setTimeout as sleep } from 'node:timers/promises';
import { context, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '@stratus/db';
import type { EventType } from './catalogue/catalogue.ts';
import { isDatabaseUnavailable } from './database-unavailable.ts';
import { deadLettersTotal, trackConsumer, type ConsumerMembership } from './consumer-metrics.ts';
import { deadLetterMessage, type DeadLetterReason } from './dead-letter.ts';
import { parseEvent, type EventEnvelope } from './envelope.ts';
import { headerText } from './kafka-headers.ts';
import { createIdempotentProducer } from './kafka-producer.ts';
import { deadLetterTopicOf, TOPIC_MAX_MESSAGE_BYTES, topicFor } from './topics.ts';
import { contextFromTraceHeaders } from './trace-context.ts';

/**
 * Applies one event inside the consumer's transaction (tenant already set, event id recorded).
 * Events of one partition are applied in order, one at a time, unless the handler has a commuteKey.
 */
export type EventHandler<T extends EventType> = ((event: EventEnvelope<T>, trx: Transaction<Database>) => Promise<void>) & {
  /**
   * Consecutive events of this type with the same key commute: their effects are right whatever
   * order their transactions commit in (each locks what it must). Up to the consumer's
   * concurrentMessages of them are then applied at once, so that one's database work overlaps the
   * next one's decoding and statement building.
   */
  commuteKey?: (event: EventEnvelope<T>) => string;
  /**
   * Applies a run of consecutive commuting events (same commuteKey and tenant, in partition order,
   * each not applied before) in one transaction: a sync's thousands of events then cost a
   * transaction and a few queries per run instead of per event. A run that fails is applied again
   * one event at a time, so a bad event is retried and dead-lettered alone.
   */
  applyMany?: (events: EventEnvelope<T>[], trx: Transaction<Database>) => Promise<void>;
};

/** The handler, declaring that consecutive events with the same key commute (see EventHandler.commuteKey). */
export function commuting<T extends EventType>(commuteKey: (event: EventEnvelope<T>) => string, handler: EventHandler<T>): EventHandler<T> {
  return Object.assign(handler, { commuteKey });
}

/**
 * A handler of commuting events applied in runs (see EventHandler.applyMany); an event alone is a
 * run of one.
 */
export function inRuns<T extends EventType>(
  commuteKey: (event: EventEnvelope<T>) => string,
  applyMany: (events: EventEnvelope<T>[], trx: Transaction<Database>) => Promise<void>,
): EventHandler<T> {
  return Object.assign((event: EventEnvelope<T>, trx: Transaction<Database>) => applyMany([event], trx), { commuteKey, applyMany });
}

/**
 * Thrown by a handler for an event that can never be applied (it contradicts what the consumer
 * holds, or asks for what the consumer refuses by rule): the event is dead-lettered at once with
 * the reason `rejected` and this message, instead of being retried. Any other error is retried.
 */
export class RejectedEventError extends Error {
  override name = 'RejectedEventError';
}

/** The types a consumer subscribes to are the types it has a handler for. */
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface ConsumerHooks {
  /** After the effect's transaction committed and before the offset commit: where a crash hurts most. */
  afterEffect?(event: EventEnvelope): void | Promise<void>;
}

export interface CreateConsumerOptions {
  kafka: Kafka;
  db: Kysely<Database>;
  /** Also the deduplication scope: every replica of one service shares it. */
  groupId: string;
  topicPrefix: string;
  handlers: EventHandlers;
  logger: Logger;
  /** Handler runs per message before it is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Delay before the first retry, doubled at each one (default 250 ms). */
  retryBackoffMs?: number;
  /** Where a group with no committed offset starts: the oldest retained event, or only new ones (default). */
  fromBeginning?: boolean;
  /** Partitions processed in parallel; order holds within each partition (default 1). */
  partitionsConsumedConcurrently?: number;
  /** Commuting events (EventHandler.commuteKey) of one partition applied at once, at most (default 2). */
  concurrentMessages?: number;
  /** Events of one run applied in one transaction by an EventHandler.applyMany, at most (default 500). */
  maxRunEvents?: number;
  /** How long the group waits for a silent member (a crashed process) before reassigning its partitions (default 30 s). */
  sessionTimeoutMs?: number;
  hooks?: ConsumerHooks;
}

export interface ConsumerMetrics {
  /** Events whose effect committed. */
  processed: number;
  /** Redelivered events skipped because this group had already applied them. */
  duplicates: number;
  /** Handler attempts that failed and were retried. */
  retries: number;
  deadLettered: number;
}

export interface EventConsumer {
  /** Subscribes and resolves once the consumer has joined its group. */
  start(): Promise<void>;
  /** Lets the message in hand finish (or abandons its retry wait, uncommitted), then leaves the group. */
  stop(): Promise<void>;
  metrics(): ConsumerMetrics;
  /** Whether it is currently a member of its group (readiness). */
  membership(): ConsumerMembership;
}

type Outcome =
  | { kind: 'applied' }
  | { kind: 'duplicate' }
  | { kind: 'failed'; reason: DeadLetterReason; error: string };

type ParsedMessage = { ok: true; event: EventEnvelope } | { ok: false; outcome: Outcome & { kind: 'failed' } };

/** Consecutive messages of one partition applied together by their handler's applyMany. */
interface Run {
  key: string;
  items: { message: KafkaMessage; event: EventEnvelope }[];
}

/** Waiting out an unreachable database backs off up to this. */
const MAX_UNAVAILABLE_BACKOFF_MS = 10_000;

/**
 * A Kafka consumer group whose effects are exactly-once: each event's handler runs in one database
 * transaction that also records the event id (a redelivery finds it and skips), and the offset is
 * committed only after that transaction commits. What cannot be processed is dead-lettered to
 * `<topic>.dlq` with the reason, and the consumer moves on.
 */
export function createConsumer(options: CreateConsumerOptions): EventConsumer {
  const {
    kafka,
    db,
    groupId,
    topicPrefix,
    handlers,
    maxAttempts = 5,
    retryBackoffMs = 250,
    fromBeginning = false,
    partitionsConsumedConcurrently = 1,
    concurrentMessages = 2,
    maxRunEvents = 500,
    sessionTimeoutMs = 30_000,
    hooks = {},
  } = options;
  const logger = options.logger.child({ component: 'event-consumer', groupId });
  const types = (Object.keys(handlers) as EventType[]).filter((type) => handlers[type] !== undefined);
  if (types.length === 0) throw new Error(`consumer ${groupId} has no handlers: give at least one event type`);
  const topics = types.map((type) => topicFor(topicPrefix, type));
  const tracer = trace.getTracer('@stratus/events');
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
    // kafkajs fetches 1 MB per partition by default: two cost.ingested batches, then a round trip.
    // A fetch the size of a topic's record batch limit keeps a busy partition's messages coming.
    maxBytesPerPartition: TOPIC_MAX_MESSAGE_BYTES,
    maxBytes: 4 * TOPIC_MAX_MESSAGE_BYTES,
  });
  const deadLetters = createIdempotentProducer(kafka);
  const membership = trackConsumer(consumer, groupId, sessionTimeoutMs);
  const metrics: ConsumerMetrics = { processed: 0, duplicates: 0, retries: 0, deadLettered: 0 };
  let stopping = new AbortController();
  let running = false;

  /**
   * A fetched batch of one partition, in order. A message starts once the ones before it are done,
   * unless it commutes with all those still running (same handler commuteKey, fewer than
   * concurrentMessages of them). Consecutive commuting messages whose handler has applyMany form
   * runs, each started as one message would be. Offsets are resolved in order, each once its
   * message (or run) and all before it are done: only then is every effect up to it (or its dead
   * letter) durable.
   */
  async function handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    let inFlight: { offset: string; key: string | undefined; done: Promise<void> }[] = [];
    let run: Run | undefined;
    const finishInFlight = async () => {
      const results = await Promise.allSettled(inFlight.map((entry) => entry.done));
      for (const [index, result] of results.entries()) {
        if (result.status === 'rejected') throw result.reason;
        resolveOffset(inFlight[index]!.offset);
      }
      inFlight = [];
      await heartbeat();
    };
    const start = async (offset: string, key: string | undefined, work: () => Promise<void>) => {
      if (inFlight.length > 0 && (key === undefined || key !== inFlight[0]!.key || inFlight.length >= concurrentMessages)) {
        await finishInFlight();
      }
      inFlight.push({ offset, key, done: work() });
    };
    const startRun = async () => {
      if (!run) return;
      const { key, items } = run;
      run = undefined;
      await start(items.at(-1)!.message.offset, key, () => handleRun(topic, partition, items, heartbeat));
    };
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const parsed = parseMessage(topic, message);
      const key = parsed.ok ? commuteKeyOf(parsed.event) : undefined;
      if (parsed.ok && key !== undefined && handlerOf(parsed.event).applyMany) {
        if (run && (run.key !== key || run.items.length >= maxRunEvents)) await startRun();
        run ??= { key, items: [] };
        run.items.push({ message, event: parsed.event });
        continue;
      }
      await startRun();
      await start(message.offset, key, () => handleMessage(topic, partition, message, parsed, heartbeat));
    }
    // A run cut short by a rebalance is not started: its messages go to the partition's next owner.
    if (isRunning() && !isStale()) await startRun();
    await finishInFlight();
  }

  function handlerOf(event: EventEnvelope): EventHandler<EventType> {
    return handlers[event.type] as EventHandler<EventType>;
  }

  /** Events of one tenant only commute: a run shares one transaction, and the tenant is set per transaction. */
  function commuteKeyOf(event: EventEnvelope): string | undefined {
    const handler = handlerOf(event);
    return handler?.commuteKey ? `${event.type}:${event.tenant}:${handler.commuteKey(event)}` : undefined;
  }

  /**
   * A run in one transaction, under one span linked to each event's trace. If it fails for any
   * reason but an unreachable database (waited out), its events are applied one at a time, with
   * their retries and dead letters.
   */
  async function handleRun(topic: string, partition: number, items: Run['items'], heartbeat: () => Promise<void>): Promise<void> {
    if (items.length > 1) {
      const links = items.flatMap(({ message, event }) => {
        const spanContext = trace.getSpanContext(contextFromTraceHeaders({ traceparent: headerText(message.headers, 'traceparent') ?? event.traceparent, tracestate: headerText(message.headers, 'tracestate') }));
        return spanContext ? [{ context: spanContext }] : [];
      });
      const span = tracer.startSpan(`${topic} process`, {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.destination.partition.id': String(partition),
          'messaging.consumer.group.name': groupId,
          'messaging.batch.message_count': items.length,
        },
      });
      try {
        const events = items.map((item) => item.event);
        const fresh = await context.with(trace.setSpan(context.active(), span), () => applyRunWhileReachable(events, heartbeat));
        metrics.processed += fresh.length;
        metrics.duplicates += events.length - fresh.length;
        for (const event of fresh) await hooks.afterEffect?.(event);
        return;
      } catch (error) {
        if (stopping.signal.aborted) throw error;
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        logger.warn({ err: error, topic, partition, events: items.length }, 'a run of events failed; applying them one at a time');
      } finally {
        span.end();
      }
    }
    for (const { message, event } of items) await handleMessage(topic, partition, message, { ok: true, event }, heartbeat);
  }

  async function applyRunWhileReachable(events: EventEnvelope[], heartbeat: () => Promise<void>): Promise<EventEnvelope[]> {
    for (let unavailableFor = 1; ; unavailableFor++) {
      try {
        return await applyRun(events);
      } catch (error) {
        if (stopping.signal.aborted || !isDatabaseUnavailable(error)) throw error;
        logger.error({ err: error, events: events.length }, 'database unavailable; waiting to apply a run of events');
        await pause(Math.min(MAX_UNAVAILABLE_BACKOFF_MS, retryBackoffMs * 2 ** (unavailableFor - 1)));
        await heartbeat();
      }
    }
  }

  /** Records the run's event ids and applies those not applied before; returns them. */
  async function applyRun(events: EventEnvelope[]): Promise<EventEnvelope[]> {
    const handler = handlerOf(events[0]!);
    return db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ event_id: string }>`
        insert into processed_events (consumer_group, event_id)
        select ${groupId}, id from unnest(${events.map((event) => event.id)}::uuid[]) as id,
               (select set_config('stratus.organization_id', ${events[0]!.tenant}, true)) as tenant
        on conflict (consumer_group, event_id) do nothing
        returning event_id
      `.execute(trx);
      const recorded = new Set(rows.map((row) => row.event_id));
      const fresh = events.filter((event) => recorded.has(event.id));
      if (fresh.length > 0) await handler.applyMany!(fresh, trx);
      return fresh;
    });
  }

  async function handleMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    parsed: ParsedMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const outcome = parsed.ok ? await processMessage(topic, partition, message, parsed.event, heartbeat) : parsed.outcome;
    if (outcome.kind === 'failed') {
      await deadLetters.send({
        topic: deadLetterTopicOf(topic),
        acks: -1,
        messages: [deadLetterMessage(message, { ...outcome, consumerGroup: groupId, topic, partition })],
      });
      metrics.deadLettered += 1;
      deadLettersTotal.inc({ topic, reason: outcome.reason });
      logger.warn({ topic, partition, offset: message.offset, reason: outcome.reason, error: outcome.error }, 'dead-lettered');
    }
  }

  function parseMessage(topic: string, message: KafkaMessage): ParsedMessage {
    const parsed = parseEvent(message.value);
    if (!parsed.ok) return { ok: false, outcome: { kind: 'failed', reason: parsed.reason, error: parsed.message } };
    const event = parsed.envelope;
    if (topicFor(topicPrefix, event.type) !== topic) {
      return { ok: false, outcome: { kind: 'failed', reason: 'invalid_envelope', error: `event type ${event.type} does not belong on topic ${topic}` } };
    }
    return { ok: true, event };
  }

  async function processMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    event: EventEnvelope,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    const parent = contextFromTraceHeaders({
      traceparent: headerText(message.headers, 'traceparent') ?? event.traceparent,
      tracestate: headerText(message.headers, 'tracestate'),
    });
    const span = tracer.startSpan(
      `${topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.destination.partition.id': String(partition),
          'messaging.kafka.offset': Number(message.offset),
          'messaging.consumer.group.name': groupId,
          'messaging.message.id': event.id,
        },
      },
      parent,
    );
    try {
      const active = trace.setSpan(parent, span);
      const outcome = await applyWithRetries(event, active, heartbeat);
      if (outcome.kind === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
      if (outcome.kind === 'applied') {
        metrics.processed += 1;
        // In the event's span, so the line carries the trace of the request that published it.
        context.with(active, () => logger.debug({ eventId: event.id, type: event.type, topic, partition, offset: message.offset }, 'applied an event'));
        await hooks.afterEffect?.(event);
      }
      if (outcome.kind === 'duplicate') {
        metrics.duplicates += 1;
        logger.info({ eventId: event.id, type: event.type, topic, partition, offset: message.offset }, 'skipped an event already applied');
      }
      return outcome;
    } finally {
      span.end();
    }
  }

  async function applyWithRetries(event: EventEnvelope, spanContext: Context, heartbeat: () => Promise<void>): Promise<Outcome> {
    let attempt = 1;
    let unavailableFor = 0;
    for (;;) {
      try {
        return await context.with(spanContext, () => apply(event));
      } catch (error) {
        // Abandoned uncommitted: the group redelivers the message to whoever owns the partition next.
        if (stopping.signal.aborted) throw error;
        if (isDatabaseUnavailable(error)) {
          unavailableFor += 1;
          logger.error({ err: error, eventId: event.id }, 'database unavailable; waiting to apply the event');
          await pause(Math.min(MAX_UNAVAILABLE_BACKOFF_MS, retryBackoffMs * 2 ** (unavailableFor - 1)));
        } else if (error instanceof RejectedEventError) {
          logger.warn({ err: error, eventId: event.id, type: event.type }, 'handler rejected the event');
          return { kind: 'failed', reason: 'rejected', error: error.message };
        } else {
          const message = error instanceof Error ? error.message : String(error);
          if (attempt >= maxAttempts) return { kind: 'failed', reason: 'handler_failed', error: message };
          metrics.retries += 1;
          logger.warn({ err: error, eventId: event.id, type: event.type, attempt }, 'handler failed; retrying');
          await pause(retryBackoffMs * 2 ** (attempt - 1));
          attempt += 1;
        }
        // A long wait must not cost the consumer its group membership.
        await heartbeat();
      }
    }
  }

  async function apply(event: EventEnvelope): Promise<Outcome> {
    const handler = handlerOf(event);
    return db.transaction().execute(async (trx) => {
      // The statement that records the event id also sets the tenant for the rest of the
      // transaction (processed_events itself is not tenant-scoped): one round trip per event, not two.
      const { rows: fresh } = await sql<{ event_id: string }>`
        insert into processed_events (consumer_group, event_id)
        select ${groupId}, ${event.id}::uuid from (select set_config('stratus.organization_id', ${event.tenant}, true)) as tenant
        on conflict (consumer_group, event_id) do nothing
        returning event_id
      `.execute(trx);
      if (fresh.length === 0) return { kind: 'duplicate' };
      await handler(event, trx);
      return { kind: 'applied' };
    });
  }

  async function pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: stopping.signal });
  }

  return {
    async start() {
      if (running) throw new Error(`consumer ${groupId} is already running`);
      stopping = new AbortController();
      await Promise.all([consumer.connect(), deadLetters.connect()]);
      await consumer.subscribe({ topics, fromBeginning });
      // kafkajs resolves run() once the consumer has joined and synced its group. It commits the
      // offsets handleBatch resolved after each fetched batch (and before a rebalance or after a
      // failure), not after every message: a commit per message was a Kafka round trip per event.
      // A crash before the commit redelivers what was applied since, and processed_events skips it.
      // Offsets are resolved by handleBatch alone, never a whole batch at once: a batch cut short
      // by a rebalance must not count the messages it did not reach.
      await consumer.run({ autoCommit: true, eachBatchAutoResolve: false, partitionsConsumedConcurrently, eachBatch: handleBatch });
      running = true;
      logger.info({ topics }, 'consumer joined its group');
    },
    async stop() {
      if (!running) return;
      stopping.abort();
      await consumer.disconnect();
      await deadLetters.disconnect();
      running = false;
    },
    metrics: () => ({ ...metrics }),
    membership,
  };
}
