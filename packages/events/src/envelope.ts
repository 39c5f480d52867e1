import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import {
  catalogue,
  isEventType,
  type EventData,
  type EventDataInput,
  type EventType,
} from './catalogue/catalogue.ts';
import { versionsOf, type EventDefinition } from './catalogue/event-definition.ts';
import { activeTraceHeaders, isTraceparent, type TraceHeaders } from './trace-context.ts';

/** The wire shape shared by every event; `data` is checked against the type's own schema. */
export const envelopeSchema = z.object({
  id: z.uuid().describe('UUIDv7 event id: time-ordered, and the key consumers deduplicate by.'),
  type: z.string().min(1).describe('The event type, `noun.verb`.'),
  version: z.int().positive().describe('The version of the data schema of this type.'),
  time: z.iso.datetime({ offset: true }).describe('When the event happened (the timestamp inside the id).'),
  tenant: z.uuid().describe('The organisation the event belongs to.'),
  subject: z.string().min(1).describe('The id of what the event is about; also the Kafka key.'),
  traceparent: z
    .string()
    .refine(isTraceparent, { error: 'expected a W3C traceparent' })
    .optional()
    .describe('W3C trace context of the producer.'),
  data: z.unknown(),
});

/** A validated event; a union over the catalogue, so `switch (event.type)` narrows `data`. */
export type EventEnvelope<T extends EventType = EventType> = {
  [K in T]: {
    id: string;
    type: K;
    version: number;
    time: string;
    tenant: string;
    subject: string;
    traceparent?: string;
    data: EventData<K>;
  };
}[T];

/**
 * Kafka messages are limited to 1 MB by default (message.max.bytes). An event past this limit would
 * sit in the outbox forever, blocking its producer, so publish refuses it up front.
 */
export const MAX_EVENT_BYTES = 512 * 1024;

export class EventValidationError extends Error {
  override name = 'EventValidationError';
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

export interface EventInput<T extends EventType> {
  /** Organisation id. */
  tenant: string;
  /** Derived from the data by the catalogue; when given, it must agree. */
  subject?: string;
  data: EventDataInput<T>;
  /** W3C trace context; defaults to the active OpenTelemetry span's. */
  traceparent?: string;
  tracestate?: string;
}

export interface BuiltEvent<T extends EventType> {
  envelope: EventEnvelope<T>;
  /** Serialized envelope, as it will be sent. */
  value: string;
  headers: TraceHeaders;
}

/** Validates and builds one event: throws EventValidationError, naming the type and every issue. */
export function buildEvent<T extends EventType>(type: T, input: EventInput<T>): BuiltEvent<T> {
  if (!isEventType(type)) throw new EventValidationError(type, `unknown event type "${type}"`);
  const definition: EventDefinition = catalogue[type];
  const parsed = definition.schema.safeParse(input.data);
  if (!parsed.success) {
    throw new EventValidationError(type, `invalid data for event ${type}:\n${z.prettifyError(parsed.error)}`);
  }
  const subject = definition.subjectOf(parsed.data);
  if (input.subject !== undefined && input.subject !== subject) {
    throw new EventValidationError(
      type,
      `subject of event ${type} must be its ${definition.subject} ("${subject}"), got "${input.subject}"`,
    );
  }
  const headers: TraceHeaders =
    input.traceparent !== undefined
      ? { traceparent: input.traceparent, ...(input.tracestate ? { tracestate: input.tracestate } : {}) }
      : activeTraceHeaders();
  const id = uuidv7();
  const candidate = {
    id,
    type,
    version: definition.version,
    // The time is the id's own timestamp, so ordering by id and by time always agree.
    time: new Date(uuidv7Timestamp(id)).toISOString(),
    tenant: input.tenant,
    subject,
    ...(headers.traceparent ? { traceparent: headers.traceparent } : {}),
    data: parsed.data,
  };
  const envelope = envelopeSchema.safeParse(candidate);
  if (!envelope.success) {
    throw new EventValidationError(type, `invalid envelope for event ${type}:\n${z.prettifyError(envelope.error)}`);
  }
  const value = JSON.stringify(candidate);
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_EVENT_BYTES) {
    throw new EventValidationError(
      type,
      `event ${type} is ${bytes} bytes, over the ${MAX_EVENT_BYTES}-byte limit: split it (e.g. smaller batches)`,
    );
  }
  return { envelope: candidate as EventEnvelope<T>, value, headers };
}

export type ParsedEvent =
  | { ok: true; envelope: EventEnvelope }
  | { ok: false; reason: 'invalid_envelope' | 'invalid_data' | 'unknown_version'; message: string };

/**
 * Validates a received message value: the envelope, then the data against the schema of its type
 * AND version. Data of an earlier version is upcast, step by step, to the version producers publish
 * now (each step's result validated too), so handlers see one shape; the envelope returned says so.
 */
export function parseEvent(value: Buffer | string | null): ParsedEvent {
  if (value === null) return { ok: false, reason: 'invalid_envelope', message: 'message has no value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch (error) {
    return { ok: false, reason: 'invalid_envelope', message: `value is not JSON: ${(error as Error).message}` };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return { ok: false, reason: 'invalid_envelope', message: z.prettifyError(envelope.error) };
  const { type, version } = envelope.data;
  if (!isEventType(type)) return { ok: false, reason: 'invalid_envelope', message: `unknown event type "${type}"` };
  const definition: EventDefinition = catalogue[type];
  const versions = versionsOf(definition);
  const first = versions.findIndex((known) => known.version === version);
  if (first === -1) {
    const known = `this consumer reads versions ${versions.map((known) => known.version).join(', ')}`;
    return {
      ok: false,
      reason: 'unknown_version',
      message:
        version > definition.version
          ? `event ${type} version ${version} is newer than this consumer (${known}): upgrade it, then replay the dead letter`
          : `event ${type} version ${version} is no longer supported (${known})`,
    };
  }
  let data: unknown = envelope.data.data;
  for (const step of versions.slice(first)) {
    const parsed = step.schema.safeParse(data);
    if (!parsed.success) {
      const what = step.version === version ? `data for event ${type} v${version}` : `data of event ${type} v${version} upcast to v${step.version}`;
      return { ok: false, reason: 'invalid_data', message: `invalid ${what}:\n${z.prettifyError(parsed.error)}` };
    }
    data = 'upcast' in step ? step.upcast(parsed.data) : parsed.data;
  }
  return { ok: true, envelope: { ...envelope.data, version: definition.version, data } as EventEnvelope };
}

/** Milliseconds since the epoch in a UUIDv7's first 48 bits. */
export function uuidv7Timestamp(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}
