import type { Kafka } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createDb, pendingMigrations, SERVICE_ROLES, type Database, type ServiceName } from '@stratus/db';
import { createQueues, createRedisConnection, type Queues } from '@stratus/queues';
import type { ServiceEnv } from '@stratus/config';
import { connectAdmin, createKafkaClient, outboxOf, type Outbox } from '@stratus/events';

/** The connections a service holds for its whole life; routes, consumers and jobs receive them. */
export interface ServiceDeps<C extends ServiceEnv = ServiceEnv> {
  service: ServiceName;
  config: C;
  logger: Logger;
  db: Kysely<Database>;
  redis: Redis;
  kafka: Kafka;
  /** Producers of every BullMQ queue (REDIS_PREFIX); workers are a service's background tasks. */
  queues: Queues;
  /** The service's own outbox: what routes, consumers and jobs publish, the service's relay sends. */
  outbox: Outbox;
}

/** An error that stops start-up with a message saying what to fix. */
export class StartupError extends Error {
  override name = 'StartupError';
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}

function hostOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

export function openDependencies<C extends ServiceEnv>(service: ServiceName, config: C, logger: Logger): ServiceDeps<C> {
  const db = createDb({ url: config.DATABASE_URL, role: SERVICE_ROLES[service], applicationName: `stratus-${service}`, preparedStatements: config.DATABASE_PREPARED_STATEMENTS });
  const redis = createRedisConnection(config.REDIS_URL, { forWorker: true });
  const kafka = createKafkaClient({ clientId: `stratus-${service}`, brokers: config.KAFKA_BROKERS, logger });
  const queues = createQueues({ connection: redis, prefix: config.REDIS_PREFIX, logger });
  return { service, config, logger, db, redis, kafka, queues, outbox: outboxOf(service) };
}

/**
 * Fails fast, before the service listens, when a dependency is missing or the database is not
 * migrated: each message names the variable or command that fixes it.
 */
export async function checkDependencies(deps: ServiceDeps): Promise<void> {
  const { config, db, redis, kafka, service } = deps;
  // The migration state is read as the login user: the service's role is created by the first
  // migration, so on an unmigrated database the role's own connections cannot even open.
  const login = createDb({ url: config.DATABASE_URL, max: 1, applicationName: `stratus-${service}-check` });
  try {
    let pending: string[];
    try {
      pending = await pendingMigrations(login);
    } catch (error) {
      throw new StartupError(
        `cannot use PostgreSQL at ${hostOf(config.DATABASE_URL)} (DATABASE_URL): ${describe(error)}. ` +
          'Start PostgreSQL or fix DATABASE_URL.',
      );
    }
    if (pending.length > 0) {
      throw new StartupError(
        `the database at ${hostOf(config.DATABASE_URL)} is missing ${pending.length} migration(s) ` +
          `(${pending.join(', ')}): run \`scripts/stratus migrate\``,
      );
    }
  } finally {
    await login.destroy();
  }
  let actingAs: string | undefined;
  try {
    actingAs = (await sql<{ role: string }>`select current_user as role`.execute(db)).rows[0]?.role;
  } catch (error) {
    throw new StartupError(
      `cannot act as the database role ${SERVICE_ROLES[service]} (DATABASE_URL): ${describe(error)}. ` +
        `The login user must be a member of it: GRANT ${SERVICE_ROLES[service]} TO <user>.`,
    );
  }
  // The role is a startup option of each connection: a pooler that drops it (PgBouncer with
  // options in ignore_startup_parameters) leaves the login user, whom row-level security may not bind.
  if (actingAs !== SERVICE_ROLES[service]) {
    throw new StartupError(
      `connections to ${hostOf(config.DATABASE_URL)} (DATABASE_URL) act as ${actingAs}, not ${SERVICE_ROLES[service]}: something between the service ` +
        'and PostgreSQL dropped the role startup option, and row-level security would not hold. Connect directly or through a pooler that passes startup options.',
    );
  }
  try {
    await redis.ping();
  } catch (error) {
    throw new StartupError(`cannot reach Redis at ${config.REDIS_URL} (REDIS_URL): ${describe(error)}. Start Redis or fix REDIS_URL.`);
  }
  const admin = await connectAdmin(kafka, config.KAFKA_BROKERS).catch((error: unknown) => {
    throw new StartupError(describe(error));
  });
  await admin.disconnect().catch(() => undefined);
}

export async function closeDependencies(deps: ServiceDeps): Promise<void> {
  await deps.queues.close().catch(() => undefined);
  await Promise.allSettled([deps.db.destroy(), deps.redis.quit()]);
}
