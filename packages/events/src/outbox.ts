import type { Insertable, Transaction } from 'kysely';
import type { Database } from '@stratus/db';
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

/**
 * Writes one event to the outbox in the caller's transaction, so it is published if and only if
 * that transaction commits. Throws EventValidationError (nothing written) if the data does not
 * match the catalogue. `producer` is the service name whose relay publishes it.
 */
export async function publish<T extends EventType>(
  trx: Transaction<Database>,
  producer: string,
  type: T,
  input: EventInput<T>,
): Promise<EventEnvelope<T>> {
  assertProducer(producer);
  const event = buildEvent(type, input);
  await trx.insertInto('event_outbox').values(chunkRow(producer, [event])).execute();
  return event.envelope;
}

export type PublishManyItem = { [T in EventType]: { type: T } & EventInput<T> }[EventType];

/**
 * Writes many events (ingestion emits 100k per sync) as a few chunk rows. Every event is validated
 * before anything is written; they are published in the given order.
 */
export async function publishMany(
  trx: Transaction<Database>,
  producer: string,
  items: readonly PublishManyItem[],
): Promise<EventEnvelope[]> {
  assertProducer(producer);
  const events = items.map(({ type, ...input }) => buildEvent(type, input as EventInput<typeof type>));
  const rows = chunks(events).map((chunk) => chunkRow(producer, chunk));
  for (let start = 0; start < rows.length; start += CHUNKS_PER_STATEMENT) {
    await trx
      .insertInto('event_outbox')
      .values(rows.slice(start, start + CHUNKS_PER_STATEMENT))
      .execute();
  }
  return events.map((event) => event.envelope);
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

function assertProducer(producer: string): void {
  if (producer.trim() === '') throw new Error('publish needs the producer (service) name');
}
