import type { Insertable, Transaction } from 'kysely';
import { SERVICE_ROLES, type Database, type ServiceName } from '@stratus/db';
import { catalogue, type EventType } from './catalogue/catalogue.ts';
import { buildEvent, type BuiltEvent, type EventEnvelope, type EventInput } from './envelope.ts';

type OutboxRow = Insertable<Database['event_outbox']>;

/**
 * An outbox row carries a chunk of consecutive events of one type and trace context, up to this
 * many events or bytes: a row per event made the outbox the largest write of a big sync.
 */
const EVENTS_PER_CHUNK = 1000;
/** JSON characters: about a MiB, a fraction of what one Kafka request of the relay may carry. */
const CHARS_PER_CHUNK = 1024 * 1024;
/** Chunks written per INSERT, so that one statement stays a few MiB. */
const CHUNKS_PER_STATEMENT = 8;

export type PublishManyItem = { [T in EventType]: { type: T } & EventInput<T> }[EventType];

/**
 * A service's outbox: what is written through it is published by that service's relay, which
 * publishes only its own producer's rows. The runtime binds it to the service (ServiceDeps.outbox),
 * so no call site names the producer, and none can name the wrong one.
 */
export interface Outbox {
  readonly producer: ServiceName;
  /**
   * Writes one event in the caller's transaction, so it is published if and only if that
   * transaction commits. Throws EventValidationError (nothing written) if the data does not match
   * the catalogue's current version of the type.
   */
  publish<T extends EventType>(trx: Transaction<Database>, type: T, input: EventInput<T>): Promise<EventEnvelope<T>>;
  /**
   * Writes many events (ingestion emits 100k per sync) as a few chunk rows. Every event is
   * validated before anything is written; they are published in the given order.
   */
  publishMany(trx: Transaction<Database>, items: readonly PublishManyItem[]): Promise<EventEnvelope[]>;
}

export function outboxOf(producer: ServiceName): Outbox {
  if (!Object.hasOwn(SERVICE_ROLES, producer)) throw new Error(`"${producer}" is not a Stratus service: no relay would publish its events`);
  return {
    producer,
    async publish(trx, type, input) {
      const event = buildEvent(type, input);
      await trx.insertInto('event_outbox').values(chunkRow(producer, [event])).execute();
      return event.envelope;
    },
    async publishMany(trx, items) {
      const events = items.map(({ type, ...input }) => buildEvent(type, input as EventInput<typeof type>));
      const rows = chunks(events).map((chunk) => chunkRow(producer, chunk));
      for (let start = 0; start < rows.length; start += CHUNKS_PER_STATEMENT) {
        await trx
          .insertInto('event_outbox')
          .values(rows.slice(start, start + CHUNKS_PER_STATEMENT))
          .execute();
      }
      return events.map((event) => event.envelope);
    },
  };
}

type AnyBuiltEvent = BuiltEvent<EventType>;

/** Consecutive runs of events that can share a row (its headers are the first event's): same type, same trace context, within the limits. */
function chunks(events: readonly AnyBuiltEvent[]): AnyBuiltEvent[][] {
  const result: AnyBuiltEvent[][] = [];
  let current: AnyBuiltEvent[] = [];
  let chars = 0;
  for (const event of events) {
    const first = current[0];
    if (
      first !== undefined &&
      (first.envelope.type !== event.envelope.type ||
        first.headers.traceparent !== event.headers.traceparent ||
        first.headers.tracestate !== event.headers.tracestate ||
        current.length >= EVENTS_PER_CHUNK ||
        chars + event.value.length > CHARS_PER_CHUNK)
    ) {
      result.push(current);
      current = [];
      chars = 0;
    }
    current.push(event);
    chars += event.value.length;
  }
  if (current.length > 0) result.push(current);
  return result;
}

function chunkRow(producer: string, events: readonly AnyBuiltEvent[]): OutboxRow {
  const { envelope, headers } = events[0]!;
  const definition = catalogue[envelope.type];
  return {
    producer,
    topic: definition.topic,
    type: envelope.type,
    version: envelope.version,
    event_ids: events.map((event) => event.envelope.id),
    keys: events.map((event) => definition.key(event.envelope)),
    // Each value is the JSON text buildEvent validated: joined, not re-serialised.
    envelopes: `[${events.map((event) => event.value).join(',')}]`,
    headers: Object.keys(headers).length > 0 ? JSON.stringify(headers) : null,
  };
}
