import type { Insertable, Transaction } from 'kysely';
import type { Database } from '@stratus/db';
import { catalogue, type EventType } from './catalogue/catalogue.ts';
import { buildEvent, type BuiltEvent, type EventEnvelope, type EventInput } from './envelope.ts';

type OutboxRow = Insertable<Database['event_outbox']>;

/** A bulk insert of this many rows binds 8,000 parameters, well under PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 1000;

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
  await trx.insertInto('event_outbox').values(outboxRow(producer, event)).execute();
  return event.envelope;
}

export type PublishManyItem = { [T in EventType]: { type: T } & EventInput<T> }[EventType];

/**
 * Writes many events with one INSERT per 1,000 rows (ingestion emits 100k per sync). Every event is
 * validated before anything is written; they are published in the given order.
 */
export async function publishMany(
  trx: Transaction<Database>,
  producer: string,
  items: readonly PublishManyItem[],
): Promise<EventEnvelope[]> {
  assertProducer(producer);
  const events = items.map(({ type, ...input }) => buildEvent(type, input as EventInput<typeof type>));
  for (let start = 0; start < events.length; start += ROWS_PER_STATEMENT) {
    const chunk = events.slice(start, start + ROWS_PER_STATEMENT);
    await trx
      .insertInto('event_outbox')
      .values(chunk.map((event) => outboxRow(producer, event)))
      .execute();
  }
  return events.map((event) => event.envelope);
}

function outboxRow(producer: string, { envelope, value, headers }: BuiltEvent<EventType>): OutboxRow {
  const definition = catalogue[envelope.type];
  return {
    id: envelope.id,
    producer,
    topic: definition.topic,
    key: definition.key(envelope),
    type: envelope.type,
    version: envelope.version,
    envelope: value,
    headers: Object.keys(headers).length > 0 ? JSON.stringify(headers) : null,
  };
}

function assertProducer(producer: string): void {
  if (producer.trim() === '') throw new Error('publish needs the producer (service) name');
}
