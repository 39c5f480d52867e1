import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { sql, type Kysely, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database, ServiceName } from '@stratus/db';
import { toKafkaMessage } from './kafka-headers.ts';
import { createIdempotentProducer } from './kafka-producer.ts';
import { TOPIC_MAX_MESSAGE_BYTES } from './topics.ts';

export interface OutboxRelayOptions {
  db: Kysely<Database>;
  /** Connection string for the relay's own LISTEN connection (a pooled connection cannot keep one). */
  listenUrl: string;
  kafka: Kafka;
  /** The service whose outbox rows this relay publishes. */
  producer: ServiceName;
  topicPrefix: string;
  logger: Logger;
  /** Outbox rows (chunks of up to a thousand events) read per round. */
  chunksPerRound?: number;
  /**
   * Bytes sent per Kafka request; 4 MiB by default. Kafka refuses a record batch for one partition
   * past the topic's max.message.bytes (8 MiB on topics ensureTopics creates, 1 MB on a broker's
   * defaults), and a request's batch for one partition can be this big. A refusal halves it, down to
   * 900 kB. A round sends as many requests as its chunks need.
   */
  maxBatchBytes?: number;
  /** The fallback poll, for notifications lost while the LISTEN connection was down. */
  pollIntervalMs?: number;
  /** Back-off after a failed round doubles from `initialMs` up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
}

export interface OutboxRelayMetrics {
  running: boolean;
  /** Events published since start. */
  published: number;
  /** Rounds that failed since start (Kafka or database). */
  failures: number;
  /** Failed rounds in a row: non-zero means the relay is currently not publishing. */
  consecutiveFailures: number;
  lastError: string | undefined;
  /** Age of the oldest unpublished event of this producer, in ms; 0 when the outbox is drained. */
  lagMs: number;
}

/** One event of a locked chunk, expanded by PostgreSQL. */
interface OutgoingEvent {
  seq: string;
  id: string;
  topic: string;
  key: string;
  type: string;
  version: number;
  headers: Record<string, string> | null;
  /** The envelope as the producer wrote it: parsing and re-serialising it here would only cost time. */
  value: string;
}

type RoundResult =
  | { kind: 'published'; count: number; more: boolean }
  | { kind: 'idle' }
  | { kind: 'locked' }
  | { kind: 'failed'; error: unknown };

const CHANNEL = 'stratus_outbox';

/** Under the broker's default message.max.bytes (1 MB) with room for the record batch's framing. */
const MIN_BATCH_BYTES = 900_000;

/**
 * Publishes one producer's outbox to Kafka, in seq order. A relay wakes on the outbox trigger's
 * NOTIFY and polls as a fallback; each round holds a transaction-scoped advisory lock so only one
 * relay per producer publishes at a time (several replicas are safe, and per-key order holds).
 * Delivery is at least once: a crash between the Kafka ack and the commit republishes the batch,
 * which consumers deduplicate by event id.
 */
export class OutboxRelay {
  readonly #options: Required<Omit<OutboxRelayOptions, 'backoff'>> & Pick<OutboxRelayOptions, 'backoff'>;
  readonly #logger: Logger;
  #producer: Producer | undefined;
  #listener: pg.Client | undefined;
  #loop: Promise<void> | undefined;
  #stopping = new AbortController();
  #notified = false;
  #wake: (() => void) | undefined;
  #published = 0;
  #failures = 0;
  #consecutiveFailures = 0;
  #lastError: string | undefined;
  /**
   * The last seq this relay published. Published rows stay in the partial index as dead entries
   * until vacuum reaches them, and they sit exactly where `order by seq` starts: scanning from the
   * beginning each round would step over all of them, every round, and a backlog of 100k events
   * would drain in quadratic time. Rounds start after this seq instead; a round that finds nothing
   * there scans once from the beginning, which also picks up a transaction that committed late with
   * a lower seq.
   */
  #after: string | undefined;

  constructor(options: OutboxRelayOptions) {
    this.#options = { chunksPerRound: 8, maxBatchBytes: 4 * 1024 * 1024, pollIntervalMs: 1000, ...options };
    this.#logger = options.logger.child({ component: 'outbox-relay', producer: options.producer });
  }

  async start(): Promise<void> {
    if (this.#loop) throw new Error('the outbox relay is already running');
    this.#stopping = new AbortController();
    await this.#listen();
    this.#loop = this.#run();
  }

  /** Finishes the round in flight (so nothing is sent without being marked), then disconnects. */
  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#stopping.abort();
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    await this.#resetProducer();
    await this.#unlisten();
  }

  async metrics(): Promise<OutboxRelayMetrics> {
    const oldest = await this.#options.db
      .selectFrom('event_outbox')
      .select('created_at')
      .where('producer', '=', this.#options.producer)
      .where('published_at', 'is', null)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    return {
      running: this.#loop !== undefined,
      published: this.#published,
      failures: this.#failures,
      consecutiveFailures: this.#consecutiveFailures,
      lastError: this.#lastError,
      lagMs: oldest ? Math.max(0, Date.now() - oldest.created_at.getTime()) : 0,
    };
  }

  async #run(): Promise<void> {
    const { initialMs, maxMs } = this.#options.backoff ?? { initialMs: 200, maxMs: 30_000 };
    while (!this.#stopping.signal.aborted) {
      if (!this.#listener) await this.#listen();
      this.#notified = false;
      const result = await this.#round().catch((error: unknown) => ({ kind: 'failed' as const, error }));
      if (result.kind === 'failed') {
        this.#failures += 1;
        this.#consecutiveFailures += 1;
        this.#lastError = (result.error as Error).message;
        this.#logger.error({ err: result.error, consecutiveFailures: this.#consecutiveFailures }, 'outbox round failed');
        const delay = Math.min(maxMs, initialMs * 2 ** (this.#consecutiveFailures - 1));
        await sleep(delay, undefined, { signal: this.#stopping.signal }).catch(() => {});
        continue;
      }
      this.#consecutiveFailures = 0;
      if (result.kind === 'published') {
        this.#published += result.count;
        if (result.more) continue;
      }
      await this.#waitForWork();
    }
  }

  async #round(): Promise<RoundResult> {
    const { db, producer, chunksPerRound } = this.#options;
    return db.transaction().execute(async (trx) => {
      const lock = await sql<{ locked: boolean }>`
        select pg_try_advisory_xact_lock(hashtext(${`stratus_outbox:${producer}`})) as locked
      `.execute(trx);
      if (!lock.rows[0]?.locked) return { kind: 'locked' };
      // The chunks are locked and expanded in one statement; json_array_elements gives each
      // envelope's own text back, so nothing is re-serialised on the way to Kafka. Each chunk's
      // arrays are unnested beside its envelopes, so each is read once: a subscript per event
      // (event_ids[position]) read the whole TOASTed array again for every event, n² per chunk.
      // The events are put in order here, not by PostgreSQL: its sort carries every envelope,
      // and a round's spilled to disk.
      const { rows } = await sql<OutgoingEvent & { position: number }>`
        with chunk as (
          select seq, topic, type, version, headers, event_ids, keys, envelopes
            from event_outbox
           where producer = ${producer} and published_at is null
                 ${this.#after !== undefined ? sql`and seq > ${this.#after}` : sql``}
           order by seq
           limit ${chunksPerRound}
             for update
        )
        select c.seq, e.position::integer as position, e.id::text as id, c.topic, e.key, c.type, c.version, c.headers,
               e.envelope::text as value
          from chunk c
          cross join lateral rows from (json_array_elements(c.envelopes), unnest(c.event_ids), unnest(c.keys))
                     with ordinality as e (envelope, id, key, position)
      `.execute(trx);
      const events = rows.sort((a, b) => (a.seq === b.seq ? a.position - b.position : BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
      if (events.length === 0) {
        if (this.#after === undefined) return { kind: 'idle' };
        this.#after = undefined;
        return { kind: 'published', count: 0, more: true };
      }
      const seqs = [...new Set(events.map((event) => event.seq))];
      try {
        for (const request of this.#requests(events)) await this.#send(request);
      } catch (error) {
        this.#shrinkBatchIfTooLarge(error);
        await this.#resetProducer();
        await recordFailure(trx, seqs, error);
        return { kind: 'failed', error };
      }
      await trx.updateTable('event_outbox').set({ published_at: sql`now()` }).where('seq', 'in', seqs).execute();
      this.#after = seqs.at(-1);
      return { kind: 'published', count: events.length, more: seqs.length === chunksPerRound };
    });
  }

  /** Topics made outside ensureTopics may keep the broker's 1 MB limit: fit under it rather than fail forever. */
  #shrinkBatchIfTooLarge(error: unknown): void {
    if ((error as { type?: string }).type !== 'MESSAGE_TOO_LARGE' || this.#options.maxBatchBytes <= MIN_BATCH_BYTES) return;
    this.#options.maxBatchBytes = Math.max(MIN_BATCH_BYTES, Math.floor(this.#options.maxBatchBytes / 2));
    this.#logger.warn(
      { maxBatchBytes: this.#options.maxBatchBytes },
      `a topic refused a record batch as too large; sending smaller rounds (raise the topic's max.message.bytes to ${TOPIC_MAX_MESSAGE_BYTES} to avoid this)`,
    );
  }

  /** The round's events in order, cut into requests of at most maxBatchBytes (at least one event each). */
  *#requests(events: OutgoingEvent[]): Iterable<OutgoingEvent[]> {
    let start = 0;
    let bytes = 0;
    for (const [index, event] of events.entries()) {
      const size = Buffer.byteLength(event.value);
      if (index > start && bytes + size > this.#options.maxBatchBytes) {
        yield events.slice(start, index);
        start = index;
        bytes = 0;
      }
      bytes += size;
    }
    yield events.slice(start);
  }

  async #send(events: OutgoingEvent[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const event of events) {
      const topic = `${this.#options.topicPrefix}${event.topic}`;
      const messages = byTopic.get(topic) ?? [];
      messages.push(toKafkaMessage(event));
      byTopic.set(topic, messages);
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const producer = await this.#connectedProducer();
    await producer.sendBatch({ acks: -1, topicMessages });
  }

  async #connectedProducer(): Promise<Producer> {
    if (this.#producer) return this.#producer;
    const producer = createIdempotentProducer(this.#options.kafka);
    await producer.connect();
    this.#producer = producer;
    return producer;
  }

  /** After a failed send the idempotent producer's sequence numbers are in doubt: start a new one. */
  async #resetProducer(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.disconnect().catch((error: unknown) => this.#logger.warn({ err: error }, 'producer disconnect failed'));
  }

  async #waitForWork(): Promise<void> {
    if (this.#notified || this.#stopping.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.#options.pollIntervalMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#options.listenUrl, application_name: 'stratus-outbox-relay' });
    client.on('notification', () => {
      this.#notified = true;
      this.#wake?.();
    });
    // A dropped LISTEN connection is not fatal: the poll carries on and the loop reconnects.
    const lost = (error?: Error) => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      this.#logger.warn({ err: error }, 'outbox LISTEN connection lost; polling until it reconnects');
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      this.#listener = client;
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not LISTEN for outbox notifications; polling');
      await client.end().catch(() => {});
    }
  }

  async #unlisten(): Promise<void> {
    const client = this.#listener;
    this.#listener = undefined;
    await client?.end().catch(() => {});
  }
}

async function recordFailure(trx: Transaction<Database>, seqs: string[], error: unknown): Promise<void> {
  await trx
    .updateTable('event_outbox')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: String((error as Error).message ?? error) }))
    .where('seq', 'in', seqs)
    .execute();
}
