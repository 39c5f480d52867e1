import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export interface KafkaReader {
  messages: ReadMessage[];
  stop(): Promise<void>;
}

/** Reads topics from the beginning into `messages`, as a bystander: its own group, no commits. */
export async function readTopics(kafka: Kafka, topics: string[]): Promise<KafkaReader> {
  const messages: ReadMessage[] = [];
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      messages.push({ topic, partition, message });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}
