import type { Admin } from 'kafkajs';
import type { ServiceEnv } from '@stratus/config';
import type { ServiceName } from '@stratus/db';
import { pruneOutbox, pruneProcessedEvents, stratusTopics, topicRetention, type TopicRetention } from '@stratus/events';
import { StartupError, type ServiceDeps } from './dependencies.ts';
import { periodicTask } from './periodic-task.ts';
import type { BackgroundTask } from './run-service.ts';

const DAY_MS = 86_400_000;

/** A service's consumer group: every replica shares it, and it is the scope of processed_events. */
export function consumerGroupOf(config: Pick<ServiceEnv, 'KAFKA_TOPIC_PREFIX'>, service: ServiceName): string {
  return `${config.KAFKA_TOPIC_PREFIX}stratus-${service}`;
}

export interface EventPruningReport {
  outboxRows: number;
  processedEvents: number;
}

/**
 * One pass of the service's event housekeeping: its own published outbox rows older than
 * OUTBOX_RETENTION_DAYS, and its consumer group's processed-event ids older than
 * PROCESSED_EVENTS_RETENTION_DAYS. Nothing of another service is touched, and replicas running it
 * at once skip each other's rows (see pruneOutbox).
 */
export async function pruneEvents(
  deps: Pick<ServiceDeps, 'db' | 'service'> & { config: Pick<ServiceEnv, 'OUTBOX_RETENTION_DAYS' | 'PROCESSED_EVENTS_RETENTION_DAYS'> },
  consumerGroup: string | undefined,
  now = new Date(),
): Promise<EventPruningReport> {
  const { config, db, service } = deps;
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const outboxRows = await pruneOutbox(db, service, { olderThan: before(config.OUTBOX_RETENTION_DAYS) });
  const processedEvents = consumerGroup
    ? await pruneProcessedEvents(db, consumerGroup, { olderThan: before(config.PROCESSED_EVENTS_RETENTION_DAYS) })
    : 0;
  return { outboxRows, processedEvents };
}

/** pruneEvents every EVENT_PRUNE_INTERVAL_MS, as one of the service's background tasks. */
export function eventPruningTask(deps: ServiceDeps, consumerGroup: string | undefined): BackgroundTask {
  return periodicTask('event-pruning', deps.config.EVENT_PRUNE_INTERVAL_MS, deps.logger, () => pruneEvents(deps, consumerGroup));
}

/**
 * The topic whose messages outlive the processed-event ids, if any. A message still readable after
 * its id was pruned (a redelivery, a replayed dead letter) would be applied a second time.
 */
export function outlivedBy(processedRetentionDays: number, topics: readonly TopicRetention[]): TopicRetention | undefined {
  const longest = topics.reduce<TopicRetention | undefined>((max, topic) => (max && max.readableMs >= topic.readableMs ? max : topic), undefined);
  return longest && longest.readableMs >= processedRetentionDays * DAY_MS ? longest : undefined;
}

/** Refuses to start when PROCESSED_EVENTS_RETENTION_DAYS does not outlast every topic's retention. */
export async function checkEventRetention(admin: Admin, config: ServiceEnv): Promise<void> {
  const topic = outlivedBy(config.PROCESSED_EVENTS_RETENTION_DAYS, await topicRetention(admin, stratusTopics(config.KAFKA_TOPIC_PREFIX)));
  if (!topic) return;
  const kept = Number.isFinite(topic.readableMs) ? `up to ${(topic.readableMs / DAY_MS).toFixed(1)} days (retention.ms + segment.ms)` : 'for ever (retention.ms -1)';
  throw new StartupError(
    `topic ${topic.topic} keeps messages ${kept}, at least as long as PROCESSED_EVENTS_RETENTION_DAYS ` +
      `(${config.PROCESSED_EVENTS_RETENTION_DAYS}): a redelivered or replayed event could be applied twice. ` +
      'Raise PROCESSED_EVENTS_RETENTION_DAYS above it, or lower the topic\'s retention.ms ' +
      '(KAFKA_DEAD_LETTER_RETENTION_DAYS sets it for dead-letter topics created from now on).',
  );
}
