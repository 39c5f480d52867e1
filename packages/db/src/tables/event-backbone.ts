import type { ColumnType, GeneratedAlways } from 'kysely';
import type { ColumnsOf } from './column-types.ts';

type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/**
 * A chunk of events (one or more, of one type and trace context) waiting for (or past) publication
 * to Kafka; written only through @stratus/events (migration OutboxChunks).
 */
export interface EventOutboxTable {
  /** Publication order. bigint arrives from pg as a string. */
  seq: GeneratedAlways<string>;
  /** Service name: each relay publishes one producer's rows. */
  producer: string;
  topic: string;
  type: string;
  version: number;
  /** Each event's id (UUIDv7, also its envelope's `id`), in publication order. */
  event_ids: string[];
  /** Each event's Kafka key, beside its id. */
  keys: string[];
  /** A json array of the envelopes, each the exact text the producer validated, sent on as is. */
  envelopes: ColumnType<Record<string, unknown>[], string, string>;
  /** Kafka headers to send beside every envelope of the chunk (trace context). */
  headers: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  created_at: GeneratedTimestamp;
  published_at: NullableTimestamp;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
}

/** One row per event of the outbox, for diagnostics: the chunks expanded. */
export interface EventOutboxEventsView {
  seq: string;
  /** 1-based place of the event in its chunk. */
  position: number;
  id: string;
  producer: string;
  topic: string;
  key: string;
  type: string;
  version: number;
  envelope: Record<string, unknown>;
  headers: Record<string, string> | null;
  created_at: Date;
  published_at: Date | null;
  attempts: number;
  last_error: string | null;
}

/** Event ids a consumer group has applied, recorded in the same transaction as the effect. */
export interface ProcessedEventsTable {
  consumer_group: string;
  event_id: string;
  processed_at: GeneratedTimestamp;
}

export interface EventBackboneTables {
  event_outbox: EventOutboxTable;
  event_outbox_events: EventOutboxEventsView;
  processed_events: ProcessedEventsTable;
}

/** The tables' mirror for the schema-drift test (see ColumnsOf). */
export const eventBackboneColumns: ColumnsOf<Omit<EventBackboneTables, 'event_outbox_events'>> = {
  event_outbox: {
    seq: 'not null',
    producer: 'not null',
    topic: 'not null',
    type: 'not null',
    version: 'not null',
    event_ids: 'not null',
    keys: 'not null',
    envelopes: 'not null',
    headers: 'null',
    created_at: 'not null',
    published_at: 'null',
    attempts: 'not null',
    last_error: 'null',
  },
  processed_events: { consumer_group: 'not null', event_id: 'not null', processed_at: 'not null' },
};
