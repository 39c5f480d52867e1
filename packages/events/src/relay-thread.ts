import { Worker } from 'node:worker_threads';
import type { Level, Logger } from 'pino';
import type { DatabaseRole } from '@stratus/db';
import type { KafkaClientOptions } from './kafka-client.ts';
import type { OutboxRelayMetrics, OutboxRelayOptions } from './relay.ts';

/** What the relay takes besides its connections, which the thread opens itself. */
type RelaySettings = Omit<OutboxRelayOptions, 'db' | 'listenUrl' | 'kafka' | 'logger'>;

export interface OutboxRelayThreadOptions extends RelaySettings {
  /**
   * The thread opens its own pool and LISTEN connection (connections cannot cross threads), shown
   * as `stratus-<producer>-outbox-relay` in pg_stat_activity.
   */
  databaseUrl: string;
  role?: DatabaseRole;
  kafka: Omit<KafkaClientOptions, 'logger'>;
  /** Receives the thread's log lines, at this logger's level. */
  logger: Logger;
  /**
   * Called when the thread ends without stop() (it should not: the relay retries its own failures,
   * so this is a bug or the thread running out of memory). Services stop, to be started again by
   * their supervisor; metrics() reports the relay not running meanwhile.
   */
  onExit?: (error: Error) => void;
}

/** What the worker is started with (structured-cloneable). */
export interface RelayThreadData {
  databaseUrl: string;
  role: DatabaseRole | undefined;
  applicationName: string;
  kafka: Omit<KafkaClientOptions, 'logger'>;
  logLevel: string;
  relay: RelaySettings;
}

export type ToRelayThread = { kind: 'metrics'; id: number } | { kind: 'stop' };

export type FromRelayThread =
  | { kind: 'started' }
  | { kind: 'log'; line: string }
  | { kind: 'metrics'; id: number; metrics: OutboxRelayMetrics }
  | { kind: 'metrics'; id: number; error: string };

/**
 * The relay thread's heap budget. Without one, a worker's heap is sized from the machine's memory
 * (gigabytes); a service deployed with --max-old-space-size/--max-semi-space-size gets those
 * instead, as Node lets the flags take precedence. During a cost import the relay's heap reached
 * 92 MiB for 22 MiB live (after a forced GC); a round holds at most chunksPerRound outbox chunks of
 * a MiB, so this is several times what it needs. Its Kafka requests' Buffers (up to ~96 MiB before
 * a GC frees them) live outside the heap and are not counted here.
 */
const RELAY_RESOURCE_LIMITS = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 };

/**
 * An OutboxRelay on a worker thread, with the relay's start/stop/metrics. A relay spends most of
 * its CPU encoding Kafka record batches; on the service's main thread that time is taken from the
 * requests, syncs and imports that fill the outbox, so under load the two slow each other down.
 * On its own thread the relay drains while the main thread keeps writing.
 */
export class OutboxRelayThread {
  readonly #options: OutboxRelayThreadOptions;
  #worker: Worker | undefined;
  #exited: Promise<void> | undefined;
  #stopping = false;
  /** Between the thread's 'started' and its end: only then does it answer. */
  #running = false;
  #lastMetrics: OutboxRelayMetrics | undefined;
  #exitError: Error | undefined;
  #nextRequest = 0;
  readonly #pending = new Map<number, { resolve: (metrics: OutboxRelayMetrics) => void; reject: (error: Error) => void }>();

  constructor(options: OutboxRelayThreadOptions) {
    this.#options = options;
  }

  /** Resolves once the thread's relay is listening and publishing. */
  async start(): Promise<void> {
    if (this.#worker) throw new Error('the outbox relay thread is already running');
    this.#stopping = false;
    this.#exitError = undefined;
    await this.#spawn();
  }

  /** Finishes the round in flight (so nothing is sent without being marked), then ends the thread. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const worker = this.#worker;
    if (!worker) return;
    worker.postMessage({ kind: 'stop' } satisfies ToRelayThread);
    await this.#exited;
  }

  async metrics(): Promise<OutboxRelayMetrics> {
    const worker = this.#worker;
    if (!worker || !this.#running) {
      const last = this.#lastMetrics ?? { published: 0, failures: 0, consecutiveFailures: 0, lastError: undefined, lagMs: 0 };
      return { ...last, running: false, lastError: this.#exitError?.message ?? last.lastError };
    }
    const id = this.#nextRequest++;
    const metrics = await new Promise<OutboxRelayMetrics>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ kind: 'metrics', id } satisfies ToRelayThread);
    });
    this.#lastMetrics = metrics;
    return metrics;
  }

  #spawn(): Promise<void> {
    const { databaseUrl, role, kafka, logger, onExit, ...relay } = this.#options;
    const data: RelayThreadData = {
      databaseUrl,
      role,
      applicationName: `stratus-${relay.producer}-outbox-relay`,
      kafka,
      logLevel: logger.level,
      relay,
    };
    const worker = new Worker(new URL('./relay-thread.worker.ts', import.meta.url), {
      workerData: data,
      name: `outbox-relay-${relay.producer}`,
      resourceLimits: RELAY_RESOURCE_LIMITS,
    });
    this.#worker = worker;
    let failure: Error | undefined;
    const { promise: started, resolve: onStarted, reject: onStartFailed } = Promise.withResolvers<void>();
    worker.on('message', (message: FromRelayThread) => {
      if (message.kind === 'log') {
        this.#log(message.line);
      } else if (message.kind === 'started') {
        this.#running = true;
        onStarted();
      } else {
        this.#settle(message);
      }
    });
    worker.on('error', (error) => {
      failure = error;
      onStartFailed(error);
    });
    this.#exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        const wasRunning = this.#running;
        this.#running = false;
        this.#worker = undefined;
        for (const { reject } of this.#pending.values()) reject(new Error('the outbox relay thread exited'));
        this.#pending.clear();
        const error = failure ?? new Error(`the outbox relay thread exited with code ${code}`);
        onStartFailed(error);
        // A thread that never started reports to start()'s caller instead.
        if (wasRunning && !this.#stopping) {
          this.#exitError = error;
          logger.error({ err: error, producer: relay.producer }, 'the outbox relay thread ended unexpectedly');
          onExit?.(error);
        }
        resolve();
      });
    });
    return started;
  }

  #settle(message: Extract<FromRelayThread, { kind: 'metrics' }>): void {
    const request = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    if ('error' in message) request?.reject(new Error(message.error));
    else request?.resolve(message.metrics);
  }

  #log(line: string): void {
    const { level, msg, time: _, ...fields } = JSON.parse(line) as { level: number; msg?: string; time?: number };
    const { logger } = this.#options;
    const label = (logger.levels.labels[level] ?? 'error') as Level;
    logger[label](fields, msg);
  }
}
