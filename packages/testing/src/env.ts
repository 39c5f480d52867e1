/**
 * Where the real services for tests are. Each one is given by an environment variable, so the same
 * tests run against services started by scripts/test.sh here, or by testcontainers/CI elsewhere.
 */
export const testEnv = {
  /** A superuser connection to any existing database; test databases are created beside it. */
  adminDatabaseUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
  /** An S3-compatible server (scripts/s3.sh); each test file makes its own bucket on it. */
  s3Endpoint: process.env.S3_ENDPOINT || 'http://127.0.0.1:9090',
};

export function databaseUrl(name: string): string {
  const url = new URL(testEnv.adminDatabaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Limits no test reaches: a suite or a benchmark drives an API from one token and one address far
 * faster than any client should, and a file that tests the limits sets its own.
 */
export const testRateLimits = {
  RATE_LIMIT_PER_TOKEN: '1000000',
  RATE_LIMIT_PER_ADDRESS: '1000000',
  RATE_LIMIT_STRICT: '1000000',
} as const;
