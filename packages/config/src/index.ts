import { z } from 'zod';

/**
 * Configuration is read from the environment once, at start-up, by this function and nowhere
 * else. A bad or missing variable stops the process with a message that names the variable and
 * says what is expected, rather than failing later on first use.
 */
export class ConfigError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = env[name];
      const described = value === undefined || value === '' ? 'is not set' : 'is invalid';
      const hint = hints.get(name);
      return `${name} ${described}: ${issue.message}${hint ? ` (${hint})` : ''}`;
    }),
  );
}

const hints = new Map<string, string>([
  ['DATABASE_URL', 'e.g. postgres://postgres@127.0.0.1:5432/stratus'],
  ['REDIS_URL', 'e.g. redis://127.0.0.1:6379'],
  ['KAFKA_BROKERS', 'e.g. 127.0.0.1:9092; scripts/kafka.sh start runs one locally'],
  ['S3_ENDPOINT', 'e.g. http://127.0.0.1:9090; scripts/s3.sh start runs one locally'],
]);

/** A comma-separated list of host:port pairs. */
export const hostPortList = z
  .string({ error: 'must be a comma-separated host:port list' })
  .min(1, 'must be a comma-separated host:port list')
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(
    z
      .array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each entry must be host:port'))
      .min(1, 'at least one host:port is required'),
  );

export const postgresUrl = z
  .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' });

export const redisUrl = z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' });

export const port = z.coerce.number().int().min(0).max(65535);

/** 'true'/'false'/'1'/'0': z.coerce.boolean() would take the string 'false' as true. */
export const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Variables every service reads; a service extends this with its own. */
export const serviceEnv = z.object({
  DATABASE_URL: postgresUrl,
  /** The hot statements marked `prepared` are named prepared statements; false sends every statement unnamed (a pooler that cannot keep them). */
  DATABASE_PREPARED_STATEMENTS: booleanFlag.default(true),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  KAFKA_BROKERS: hostPortList,
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only').default(''),
  REDIS_PREFIX: z.string().default('stratus'),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: logLevel.default('info'),
  LOG_PRETTY: booleanFlag.default(false),
  PORT: port,
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * The proxies in front of the service whose X-Forwarded-For is believed: addresses, CIDRs or
   * proxy-addr's names (loopback, linklocal, uniquelocal), comma-separated. Empty takes the peer's
   * address: behind a proxy every client would then share the proxy's, in the audit trail and in
   * the console's per-address sign-in limit. (A hop count is not offered: fastify refuses it, as it
   * would let a direct client forge its address.)
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean)),
  /**
   * Requests per window (RATE_LIMIT_WINDOW_SECONDS) every route takes from one API token and from
   * one client address, counted in Redis so replicas share them; 0 turns a limit off. STRICT is
   * both limits of sign-in and of whatever creates a token. A person in the console makes a few
   * requests a second at most; 20 a second from one token is a script, welcome until it floods.
   */
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  RATE_LIMIT_PER_TOKEN: z.coerce.number().int().min(0).default(1200),
  RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(0).default(3000),
  RATE_LIMIT_STRICT: z.coerce.number().int().min(0).default(10),
  /** Published outbox rows are only a record once Kafka holds the events. */
  OUTBOX_RETENTION_DAYS: z.coerce.number().positive().default(7),
  /** Must outlast every message that can come back: checked against the topics at start-up. */
  PROCESSED_EVENTS_RETENTION_DAYS: z.coerce.number().positive().default(45),
  KAFKA_DEAD_LETTER_RETENTION_DAYS: z.coerce.number().positive().default(30),
  EVENT_PRUNE_INTERVAL_MS: z.coerce.number().int().positive().default(3_600_000),
});

export type ServiceEnv = z.infer<typeof serviceEnv>;

/**
 * Months of raw cost lines kept besides the current one. The cost service downsamples older months
 * into its rollups and cannot take lines there any more; ingestion refuses them when an import is
 * requested. One variable, read by both.
 */
export const costRetentionEnv = z.object({
  COST_RAW_RETENTION_MONTHS: z.coerce.number().int().min(2).max(1200).default(13),
});

/** The first instant of the oldest month whose raw lines are kept. */
export function retentionCutoff(now: Date, months: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
}

/** The horizon in the words every refusal of an older cost uses: where it is, and what moves it. */
export function retentionHorizon(now: Date, months: number): { cutoff: Date; text: string } {
  const cutoff = retentionCutoff(now, months);
  return { cutoff, text: `the raw retention horizon ${cutoff.toISOString()} (COST_RAW_RETENTION_MONTHS=${months}; raise it to import older costs)` };
}

/** Why costs starting at `start` cannot be imported, or undefined. */
export function beyondRetention(start: Date, now: Date, months: number): string | undefined {
  const horizon = retentionHorizon(now, months);
  return start < horizon.cutoff ? `${start.toISOString()} is before ${horizon.text}` : undefined;
}

/**
 * An S3-compatible object store (AWS S3, GCS in interoperability mode, MinIO, Ceph; S3Mock from
 * scripts/s3.sh in development). Without S3_ENDPOINT there is none: the features that need one
 * (cost archives, exports to the bucket) answer saying so, and everything else runs.
 */
export const objectStoreEnv = z.object({
  S3_ENDPOINT: z
    .union([z.literal(''), z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' })])
    .default('')
    .transform((value) => value || undefined),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 lowercase letters, digits, "." and "-")')
    .default('stratus'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  /**
   * Path-style addressing (endpoint/bucket/key) is what S3Mock, MinIO and Ceph answer without DNS
   * set up for them, and AWS S3 still takes it; `false` uses virtual-hosted names (bucket.endpoint).
   */
  S3_FORCE_PATH_STYLE: booleanFlag.default(true),
  /** Static credentials; when unset, the AWS SDK's default chain (AWS_* variables, profiles, instance roles). */
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
});

export type ObjectStoreEnv = z.infer<typeof objectStoreEnv>;
