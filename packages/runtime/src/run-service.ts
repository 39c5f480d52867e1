import closeWithGrace from 'close-with-grace';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { ConfigError, loadConfig, type ServiceEnv } from '@stratus/config';
import { SERVICE_ROLES, type ServiceName } from '@stratus/db';
import { OutboxRelayThread, ensureTopics, createConsumer, type EventConsumer, type EventHandlers } from '@stratus/events';
import { buildServer, healthPlugin, type ReadinessCheck } from '@stratus/http';
import { authPlugin } from '@stratus/auth';
import { checkEventRetention, consumerGroupOf, eventPruningTask } from './event-retention.ts';
import { createLogger } from './logger.ts';
import { observability } from './observability.plugin.ts';
import { requestRecording } from './request-recording.plugin.ts';
import { registerServiceMetrics } from './service-metrics.ts';
import {
  StartupError,
  checkDependencies,
  closeDependencies,
  openDependencies,
  type ServiceDeps,
} from './dependencies.ts';

export interface ServiceDefinition<S extends z.ZodObject = z.ZodObject> {
  name: ServiceName;
  version: string;
  /** The service's whole environment schema: `serviceEnv.extend({ PORT: port.default(...), ... })`. */
  env: S;
  /** Registers the service's HTTP routes; every route is authenticated unless marked public. */
  routes?: (app: FastifyInstance, deps: ServiceDeps<z.infer<S> & ServiceEnv>) => void | Promise<void>;
  /** Handlers per event type; one consumer group per service. */
  consumers?: (deps: ServiceDeps<z.infer<S> & ServiceEnv>) => EventHandlers;
  /** Queue workers, schedulers and other loops that live as long as the service. */
  background?: (deps: ServiceDeps<z.infer<S> & ServiceEnv>) => BackgroundTask[];
}

/** Started after the consumers, before HTTP listens; stopped after HTTP closes, before connections. */
export interface BackgroundTask {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The pure part of a service: the HTTP app with health, metrics, auth and the service's routes,
 * built from connections it is given. main.ts uses it through runService; tests use it with app.inject.
 */
export async function buildServiceApp<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
  deps: ServiceDeps<z.infer<S> & ServiceEnv>,
  checks: Record<string, ReadinessCheck>,
  registry: Registry = new Registry(),
): Promise<FastifyInstance> {
  const app = buildServer({
    logger: deps.logger,
    service: definition.name,
    version: definition.version,
    trustedProxies: deps.config.TRUST_PROXY,
    rateLimit: {
      redis: deps.redis,
      prefix: deps.config.REDIS_PREFIX,
      limits: {
        windowSeconds: deps.config.RATE_LIMIT_WINDOW_SECONDS,
        perToken: deps.config.RATE_LIMIT_PER_TOKEN,
        perAddress: deps.config.RATE_LIMIT_PER_ADDRESS,
        strict: deps.config.RATE_LIMIT_STRICT,
      },
    },
  });
  await app.register(observability, { registry });
  await app.register(healthPlugin, { checks });
  await app.register(authPlugin, { db: deps.db });
  await app.register(requestRecording, { service: definition.name, db: deps.db, outbox: deps.outbox });
  await definition.routes?.(app, deps);
  return app;
}

const OUTBOX_FAILURES_BEFORE_UNREADY = 3;

function readinessChecks(deps: ServiceDeps, relay: OutboxRelayThread, consumer: EventConsumer | undefined): Record<string, ReadinessCheck> {
  const admin = deps.kafka.admin();
  let adminConnected: Promise<void> | undefined;
  return {
    postgres: async () => {
      await sql`select 1`.execute(deps.db);
    },
    redis: async () => {
      await deps.redis.ping();
    },
    kafka: async () => {
      adminConnected ??= admin.connect().catch((error: unknown) => {
        adminConnected = undefined;
        throw error;
      });
      await adminConnected;
      await admin.describeCluster();
    },
    // The relay retries on its own; readiness reports it so a stuck outbox is visible.
    outbox: async () => {
      const { running, consecutiveFailures, lastError } = await relay.metrics();
      if (!running) throw new Error(lastError ?? 'the outbox relay is not running');
      if (consecutiveFailures >= OUTBOX_FAILURES_BEFORE_UNREADY) {
        throw new Error(`the outbox relay failed ${consecutiveFailures} rounds in a row: ${lastError}`);
      }
    },
    // A consumer out of its group processes nothing (after a broker restart, until it rejoins).
    ...(consumer
      ? {
          consumer: async () => {
            const { joined, reason } = consumer.membership();
            if (!joined) throw new Error(`the consumer ${reason}`);
          },
        }
      : {}),
  };
}

/**
 * Runs a service: configuration, connections checked, topics ensured, outbox relay and consumers
 * started, HTTP listening; on SIGINT/SIGTERM everything closes in reverse order within
 * SHUTDOWN_GRACE_MS, telemetry last. Any start-up problem exits with status 1 and a message saying
 * what to fix. `telemetry` was started by main.ts before the service's modules were imported.
 */
export async function runService<S extends z.ZodObject>(definition: ServiceDefinition<S>, telemetry: NodeSDK): Promise<void> {
  let config: z.infer<S> & ServiceEnv;
  try {
    config = loadConfig(definition.env) as z.infer<S> & ServiceEnv;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`stratus-${definition.name}: ${error.message}\n`);
    process.exit(1);
  }

  const logger = createLogger(definition.name, config.LOG_LEVEL, config.LOG_PRETTY);
  const deps = openDependencies(definition.name, config, logger);
  const relay = new OutboxRelayThread({
    databaseUrl: config.DATABASE_URL,
    role: SERVICE_ROLES[definition.name],
    kafka: { clientId: `stratus-${definition.name}`, brokers: config.KAFKA_BROKERS },
    producer: definition.name,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    logger,
    // Thrown as an uncaught error, so closeWithGrace below stops the service with status 1 and
    // its supervisor starts it again, relay and all.
    onExit: (error) =>
      setImmediate(() => {
        throw error;
      }),
  });
  const consumerHandlers = definition.consumers?.(deps);
  const groupId = consumerGroupOf(config, definition.name);
  const consumer = consumerHandlers
    ? createConsumer({
        kafka: deps.kafka,
        db: deps.db,
        groupId,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        handlers: consumerHandlers,
        logger,
      })
    : undefined;
  const background = [...(definition.background?.(deps) ?? []), eventPruningTask(deps, consumer && groupId)];
  const stopBackground = () =>
    Promise.allSettled(
      background.map((task) =>
        task.stop().catch((error: unknown) => logger.error({ err: error, task: task.name }, 'background task did not stop cleanly')),
      ),
    );
  let app: FastifyInstance | undefined;

  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'stopping after an unexpected error');
    else logger.info({ signal }, 'stopping');
    await app?.close();
    await stopBackground();
    await consumer?.stop();
    await relay.stop();
    await closeDependencies(deps);
    await telemetry.shutdown().catch(() => undefined);
    logger.info('stopped');
  });

  try {
    await checkDependencies(deps);
    const admin = deps.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, {
        prefix: config.KAFKA_TOPIC_PREFIX,
        partitions: config.KAFKA_PARTITIONS,
        deadLetterRetentionMs: config.KAFKA_DEAD_LETTER_RETENTION_DAYS * 86_400_000,
      });
      await checkEventRetention(admin, config);
    } finally {
      await admin.disconnect();
    }
    await relay.start();
    await consumer?.start();
    for (const task of background) await task.start();
    collectDefaultMetrics();
    const registry = new Registry();
    registerServiceMetrics(registry, deps, consumer);
    app = await buildServiceApp(definition, deps, readinessChecks(deps, relay, consumer), registry);
    const address = await app.listen({ host: config.HOST, port: config.PORT });
    logger.info({ address }, `stratus-${definition.name} listening`);
  } catch (error) {
    const message = error instanceof StartupError ? error.message : (error as Error).stack ?? String(error);
    logger.fatal(`stratus-${definition.name} cannot start: ${message}`);
    await app?.close().catch(() => undefined);
    await stopBackground();
    await consumer?.stop().catch(() => undefined);
    await relay.stop().catch(() => undefined);
    await closeDependencies(deps);
    await telemetry.shutdown().catch(() => undefined);
    process.exit(1);
  }
}
