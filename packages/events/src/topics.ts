import kafkajs, { type Admin, type ITopicConfig } from 'kafkajs';

// kafkajs is CommonJS, and Node's named-export detection does not find this one.
const { ConfigResourceTypes } = kafkajs;
import { catalogue, eventTypes, type EventType } from './catalogue/catalogue.ts';

/** The Kafka topic of an event type. The prefix comes from configuration (tests use a random one). */
export function topicFor(prefix: string, type: EventType): string {
  return `${prefix}${catalogue[type].topic}`;
}

export const DLQ_SUFFIX = '.dlq';

/**
 * Largest record batch a Stratus topic accepts, above the broker's 1 MB default: the outbox relay
 * sends a few MB per round, and with keys that share a partition (one account's cost batches)
 * all of it may land in one record batch.
 */
export const TOPIC_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Where a consumer dead-letters what it cannot process from `topic`. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}${DLQ_SUFFIX}`;
}

/** Every catalogue topic of a deployment and its dead-letter topic. */
export function stratusTopics(prefix: string): string[] {
  return eventTypes.flatMap((type) => [topicFor(prefix, type), deadLetterTopicOf(topicFor(prefix, type))]);
}

export interface TopicRetention {
  topic: string;
  /**
   * How long a message may still be read from the topic, in ms: retention.ms plus segment.ms, since
   * Kafka deletes a log segment only whole, once its newest message has expired, and a quiet topic's
   * segment rolls only after segment.ms. Infinity when retention.ms is -1 (kept for ever).
   */
  readableMs: number;
}

/** The effective retention (topic setting, else the broker's default) of each of the given topics. */
export async function topicRetention(admin: Admin, topics: readonly string[]): Promise<TopicRetention[]> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms', 'segment.ms'] })),
  });
  return resources.map(({ resourceName, errorCode, errorMessage, configEntries }) => {
    if (errorCode !== 0) throw new Error(`cannot read the configuration of topic ${resourceName}: ${errorMessage}`);
    const setting = (name: string) => {
      const value = Number(configEntries.find((entry) => entry.configName === name)?.configValue);
      if (!Number.isFinite(value)) throw new Error(`topic ${resourceName} reports no ${name}`);
      return value;
    };
    const retention = setting('retention.ms');
    return { topic: resourceName, readableMs: retention < 0 ? Number.POSITIVE_INFINITY : retention + setting('segment.ms') };
  });
}

export interface EnsureTopicsOptions {
  prefix: string;
  partitions?: number;
  replicationFactor?: number;
  /** Dead letters are few and read in failure order, so one partition by default. */
  deadLetterPartitions?: number;
  /** Dead letters wait for a person: kept 30 days by default, longer than the event topics. */
  deadLetterRetentionMs?: number;
}

/**
 * Creates every catalogue topic and its dead-letter topic that does not exist yet. The broker does
 * not auto-create topics, so every process that produces or consumes calls this at boot. Existing
 * topics are left as they are (partition counts are never changed: that would move keys).
 */
export async function ensureTopics(admin: Admin, options: EnsureTopicsOptions): Promise<string[]> {
  const {
    prefix,
    partitions = 6,
    replicationFactor = 1,
    deadLetterPartitions = 1,
    deadLetterRetentionMs = 30 * 24 * 60 * 60 * 1000,
  } = options;
  const wanted: ITopicConfig[] = eventTypes.flatMap((type) => {
    const topic = topicFor(prefix, type);
    return [
      {
        topic,
        numPartitions: partitions,
        replicationFactor,
        configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }],
      },
      {
        topic: deadLetterTopicOf(topic),
        numPartitions: deadLetterPartitions,
        replicationFactor,
        configEntries: [{ name: 'retention.ms', value: String(deadLetterRetentionMs) }],
      },
    ];
  });
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((config) => !existing.has(config.topic));
  if (missing.length === 0) return [];
  // Two processes booting together may race to create the same topics: kafkajs treats a topic
  // that already exists as success, so losing that race is harmless.
  await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((config) => config.topic);
}
