import type { z } from 'zod';

/** One catalogue entry: everything needed to produce, route, validate and document an event type. */
export interface EventDefinition<TType extends string = string, TSchema extends z.ZodType = z.ZodType> {
  /** `noun.verb`, a fact. Also the topic name (after the deployment's prefix): never renamed. */
  type: TType;
  /** Bumped only for an incompatible shape; a published version never changes (new fields are optional). */
  version: number;
  /** Topic without the deployment prefix. */
  topic: string;
  description: string;
  /** Which id the envelope's `subject` (and so the Kafka key) is, for the catalogue's readers. */
  subject: string;
  schema: TSchema;
  /** Derives the subject from the data, so every producer keys an event type the same way. */
  subjectOf(data: z.output<TSchema>): string;
  /** The Kafka key: events with one key stay in order on one partition. */
  key(envelope: { subject: string }): string;
}

export function defineEvent<const TType extends string, TSchema extends z.ZodType>(
  definition: Omit<EventDefinition<TType, TSchema>, 'topic' | 'key'>,
): EventDefinition<TType, TSchema> {
  return {
    ...definition,
    topic: definition.type,
    // Every type keys by its subject; the subject is what each type chose to keep in order.
    key: (envelope) => envelope.subject,
  };
}
