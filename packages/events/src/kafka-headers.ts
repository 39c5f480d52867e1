import type { IHeaders, Message } from 'kafkajs';

/** A header as text; kafkajs gives Buffers, and a repeated header's last value wins. */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const last = Array.isArray(value) ? value.at(-1) : value;
  return last === undefined ? undefined : last.toString();
}

export function headersText(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = headerText(headers, name);
    if (value !== undefined) text[name] = value;
  }
  return text;
}

/** An outbox event as the Kafka message the relay sends: the envelope as written, keyed, with its headers. */
export function toKafkaMessage(event: {
  id: string;
  type: string;
  version: number;
  key: string;
  value: string;
  headers: Record<string, string> | null;
}): Message {
  const headers: Record<string, string> = {
    'event-id': event.id,
    'event-type': event.type,
    'event-version': String(event.version),
    'content-type': 'application/json',
    ...event.headers,
  };
  return { key: event.key, value: event.value, headers };
}
