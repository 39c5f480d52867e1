import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/** The one way this package produces: idempotent, keys partitioned like the Java client. */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The Java client's partitioner, so a key lands on the same partition whoever produces it
    // (the relay, a dead-letter replay, or another team's service).
    createPartitioner: Partitioners.DefaultPartitioner,
    // kafkajs retries an idempotent producer forever by default, which would hold a relay round's
    // transaction open for as long as, say, a topic is missing. Bounded retries fail the send
    // instead; callers resend with a fresh producer, and consumers deduplicate.
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 5000 },
  });
}
