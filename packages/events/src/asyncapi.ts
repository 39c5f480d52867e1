import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { catalogue, eventTypes } from './catalogue/catalogue.ts';
import { versionsOf, type EventDefinition } from './catalogue/event-definition.ts';
import { envelopeSchema } from './envelope.ts';
import { DEAD_LETTER_HEADERS, DEAD_LETTER_REASONS } from './dead-letter.ts';

type JsonSchema = Record<string, unknown>;

/** The committed document, checked against the catalogue by asyncapi.test.ts. */
export const asyncApiPath = fileURLToPath(new URL('../asyncapi.json', import.meta.url));

export function renderAsyncApi(): string {
  return `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`;
}

/**
 * The published event contract as an AsyncAPI 3.0 document: one channel per topic, one message per
 * event type (the envelope with the type's data schema), generated from the catalogue so it cannot
 * drift. Committed as packages/events/asyncapi.json (`pnpm --filter @stratus/events catalogue`).
 */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const type of eventTypes) {
    const definition: EventDefinition = catalogue[type];
    const current = messageName(type, definition.version);
    const versions = versionsOf(definition);
    for (const { version, description, schema } of versions) {
      messages[messageName(type, version)] = {
        name: type,
        title: `${type} v${version}`,
        summary: description,
        ...(version === definition.version
          ? {}
          : {
              description:
                `Superseded by v${definition.version}: no longer published, but may still be on the topic (or replayed from its ` +
                'dead letters) until its retention ends. Stratus consumers upcast it to the current version.',
            }),
        contentType: 'application/json',
        headers: { $ref: '#/components/schemas/headers' },
        payload: jsonSchema(
          envelopeSchema.extend({
            type: z.literal(type),
            version: z.literal(version),
            subject: z.string().min(1).describe(`The ${definition.subject}; also the Kafka key.`),
            data: schema,
          }),
        ),
        bindings: {
          kafka: {
            key: { type: 'string', description: `The envelope's subject: ${definition.subject}.` },
            bindingVersion: '0.5.0',
          },
        },
      };
    }
    channels[type] = {
      address: `{prefix}${definition.topic}`,
      title: type,
      description: `${definition.description} Unprocessable messages go to \`{prefix}${definition.topic}.dlq\`.`,
      parameters: { prefix: { $ref: '#/components/parameters/prefix' } },
      // Every version a subscriber may read from the topic; producers send the current one only.
      messages: Object.fromEntries(
        versions.map(({ version }) => [messageName(type, version), { $ref: `#/components/messages/${messageName(type, version)}` }]),
      ),
    };
    operations[`send.${type}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${type}` },
      messages: [{ $ref: `#/channels/${type}/messages/${current}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Stratus events',
      version: '1.0.0',
      description: [
        'Events published by Stratus services through a transactional outbox to Kafka.',
        'Delivery is at least once: deduplicate by the envelope `id` (a UUIDv7).',
        'Each message is an envelope whose `data` matches the schema of its `type` and `version`; a published version never changes shape, and fields added later are optional.',
        'An incompatible change is a new version: producers publish the newest, and a channel lists every version still readable.',
        'Events of one subject (the Kafka key) keep their order.',
      ].join(' '),
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: {
      parameters: {
        prefix: { description: 'The deployment\'s topic prefix (configuration; may be empty).', default: '' },
      },
      schemas: { headers: headersSchema() },
      messages,
    },
  };
}

function headersSchema(): JsonSchema {
  const text = (description: string) => ({ type: 'string', description });
  return {
    type: 'object',
    properties: {
      'event-id': text('The envelope id.'),
      'event-type': text('The envelope type.'),
      'event-version': text('The envelope version.'),
      'content-type': text('application/json'),
      traceparent: text('W3C trace context of the producer, when there was one.'),
      tracestate: text('W3C trace state, when there was one.'),
      [DEAD_LETTER_HEADERS.reason]: text(`On dead letters: why (${DEAD_LETTER_REASONS.join(', ')}).`),
      [DEAD_LETTER_HEADERS.error]: text('On dead letters: what went wrong.'),
    },
  };
}

function messageName(type: string, version: number): string {
  return `${type}.v${version}`;
}

function jsonSchema(schema: z.ZodType): JsonSchema {
  // AsyncAPI's default schema format is a superset of JSON Schema draft-07.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-07', io: 'input' }) as JsonSchema;
  return rest;
}
