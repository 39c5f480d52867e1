import type { ColumnType, GeneratedAlways } from 'kysely';

/** Written as JSON text (`JSON.stringify`), read back parsed: pg turns a JS array into a PostgreSQL array, not JSON. */
type Jsonb<T> = ColumnType<T, string, string>;
type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** One event waiting for (or past) publication to Kafka; written only through @stratus/events. */
export interface EventOutboxTable {
  /** Publication order. bigint arrives from pg as a string. */
  seq: GeneratedAlways<string>;
  /** The event id (UUIDv7), also the envelope's `id`. */
  id: string;
  /** Service name: each relay publishes one producer's rows. */
  producer: string;
  topic: string;
  key: string;
  type: string;
  version: number;
  /** json, not jsonb: the exact text the producer validated, sent on as is (migration LeanerWrites). */
  envelope: Jsonb<Record<string, unknown>>;
  /** Kafka headers to send beside the envelope (trace context). */
  headers: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  created_at: GeneratedTimestamp;
  published_at: NullableTimestamp;
  attempts: ColumnType<number, number | undefined, number>;
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
  processed_events: ProcessedEventsTable;
}
