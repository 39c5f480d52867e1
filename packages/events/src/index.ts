export {
  catalogue,
  eventTypes,
  isEventType,
  type Catalogue,
  type EventData,
  type EventDataInput,
  type EventType,
} from './catalogue/catalogue.ts';
export type { EarlierVersion, EventDefinition } from './catalogue/event-definition.ts';
export {
  buildEvent,
  envelopeSchema,
  EventValidationError,
  MAX_EVENT_BYTES,
  parseEvent,
  uuidv7Timestamp,
  type BuiltEvent,
  type EventEnvelope,
  type EventInput,
  type ParsedEvent,
} from './envelope.ts';
export { outboxOf, type Outbox, type PublishManyItem } from './outbox.ts';
export { pruneOutbox, pruneProcessedEvents, type PruneOptions } from './prune.ts';
export { OutboxRelay, type OutboxRelayMetrics, type OutboxRelayOptions } from './relay.ts';
export {
  commuting,
  inRuns,
  createConsumer,
  type ConsumerHooks,
  type ConsumerMetrics,
  type CreateConsumerOptions,
  type EventConsumer,
  type EventHandler,
  type EventHandlers,
  RejectedEventError,
} from './consumer.ts';
export type { ConsumerMembership } from './consumer-metrics.ts';
export {
  DEAD_LETTER_HEADERS,
  DEAD_LETTER_REASONS,
  deadLetterMessage,
  readDeadLetters,
  replayDeadLetters,
  selectDeadLetters,
  type DeadLetter,
  type DeadLetterCause,
  type DeadLetterFilter,
  type DeadLetterReason,
  type ReadDeadLettersOptions,
  type ReplayDeadLettersOptions,
} from './dead-letter.ts';
export { toKafkaMessage } from './kafka-headers.ts';
export { connectAdmin, createKafkaClient, KafkaUnreachableError, type KafkaClientOptions } from './kafka-client.ts';
export { createIdempotentProducer } from './kafka-producer.ts';
export {
  deadLetterTopicOf,
  ensureTopics,
  stratusTopics,
  topicFor,
  topicRetention,
  type EnsureTopicsOptions,
  type TopicRetention,
} from './topics.ts';
export { activeTraceHeaders, contextFromTraceHeaders, type TraceHeaders } from './trace-context.ts';
export { buildAsyncApiDocument } from './asyncapi.ts';
export { OutboxRelayThread, type OutboxRelayThreadOptions } from './relay-thread.ts';
