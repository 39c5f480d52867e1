import type { z } from 'zod';

/** One catalogue entry: everything needed to produce, route, validate and document an event type. */
export interface EventDefinition<TType extends string = string, TSchema extends z.ZodType = z.ZodType> {
  /** `noun.verb`, a fact. Also the topic name (after the deployment's prefix): never renamed. */
  type: TType;
  /**
   * The version producers publish: bumped (nextVersion) only for an incompatible shape; a published
   * version never changes (new fields are optional).
   */
  version: number;
  /** Topic without the deployment prefix. */
  topic: string;
  description: string;
  /** Which id the envelope's `subject` (and so the Kafka key) is, for the catalogue's readers. */
  subject: string;
  /** The data schema of `version`. */
  schema: TSchema;
  /** Derives the subject from the data, so every producer keys an event type the same way. */
  subjectOf(data: z.output<TSchema>): string;
  /** The Kafka key: events with one key stay in order on one partition. */
  key(envelope: { subject: string }): string;
  /**
   * The versions before `version` that consumers still accept, oldest first (version 1, 2, ...):
   * events of them may still be on the topic, or come back from a dead-letter topic.
   */
  earlier: readonly EarlierVersion[];
}

/** A superseded version of an event type: still read, never published. */
export interface EarlierVersion {
  version: number;
  description: string;
  schema: z.ZodType;
  /** Turns this version's (validated) data into the next version's data. */
  upcast(data: unknown): unknown;
}

export function defineEvent<const TType extends string, TSchema extends z.ZodType>(
  definition: Omit<EventDefinition<TType, TSchema>, 'version' | 'topic' | 'key' | 'earlier'>,
): EventDefinition<TType, TSchema> {
  return {
    ...definition,
    version: 1,
    topic: definition.type,
    // Every type keys by its subject; the subject is what each type chose to keep in order.
    key: (envelope) => envelope.subject,
    earlier: [],
  };
}

/**
 * The next version of an event type, for a change consumers cannot read as the old shape (a field
 * whose meaning or type changes). Producers publish it from then on; consumers keep accepting the
 * previous versions, whose data `upcast` turns into this version's before any handler sees it.
 */
export function nextVersion<TType extends string, TPrevious extends z.ZodType, TSchema extends z.ZodType>(
  previous: EventDefinition<TType, TPrevious>,
  next: {
    description?: string;
    schema: TSchema;
    subjectOf(data: z.output<TSchema>): string;
    upcast(data: z.output<TPrevious>): z.input<TSchema>;
  },
): EventDefinition<TType, TSchema> {
  return {
    ...previous,
    version: previous.version + 1,
    description: next.description ?? previous.description,
    schema: next.schema,
    subjectOf: next.subjectOf,
    earlier: [
      ...previous.earlier,
      {
        version: previous.version,
        description: previous.description,
        schema: previous.schema,
        upcast: (data) => next.upcast(data as z.output<TPrevious>),
      },
    ],
  };
}

/** Every version of an event type a consumer accepts, oldest first, the published one last. */
export function versionsOf(definition: EventDefinition): (EarlierVersion | EventDefinition)[] {
  return [...definition.earlier, definition];
}
