/**
 * The worker side of OutboxRelayThread: an OutboxRelay with its own pool and Kafka client, so
 * that encoding record batches never waits for the service's main thread, nor slows it down.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { createDb } from '@stratus/db';
import { createKafkaClient } from './kafka-client.ts';
import { OutboxRelay } from './relay.ts';
import type { FromRelayThread, RelayThreadData, ToRelayThread } from './relay-thread.ts';

const port = parentPort;
if (!port) throw new Error('relay-thread.worker.ts runs as a worker thread of OutboxRelayThread');
const { databaseUrl, role, applicationName, kafka: kafkaOptions, logLevel, relay: relayOptions } = workerData as RelayThreadData;
const post = (message: FromRelayThread) => port.postMessage(message);

// Lines go to the parent's logger, which owns the destination, the redaction and the trace fields.
const logger = pino({ level: logLevel, base: undefined }, { write: (line: string) => post({ kind: 'log', line }) });
// Rounds and metrics each hold a connection at most; the LISTEN connection is the relay's own.
const db = createDb({ url: databaseUrl, role, max: 2, applicationName, onIdleError: (error) => logger.warn({ err: error }, 'idle PostgreSQL connection lost') });
const relay = new OutboxRelay({ ...relayOptions, db, listenUrl: databaseUrl, kafka: createKafkaClient({ ...kafkaOptions, logger }), logger });

const started = relay.start();

port.on('message', (message: ToRelayThread) => {
  if (message.kind === 'metrics') {
    relay.metrics().then(
      (metrics) => post({ kind: 'metrics', id: message.id, metrics }),
      (error: unknown) => post({ kind: 'metrics', id: message.id, error: (error as Error).message }),
    );
  } else {
    // Finishing the round in flight first, so nothing is sent without being marked published.
    void started
      .catch(() => undefined)
      .then(() => relay.stop())
      .finally(() => db.destroy())
      .finally(() => port.close());
  }
});

await started;
post({ kind: 'started' });
