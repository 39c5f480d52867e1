import { z } from 'zod';
import { port, serviceEnv } from '@stratus/config';
import { credentialsKeys } from '@stratus/vault';

const positiveInt = z.coerce.number().int().positive();

export const env = serviceEnv.extend({
  PORT: port.default(8084),
  /** Opens the accounts' credentials (the ingestion service's keyring) to act on live accounts. */
  CREDENTIALS_KEYS: credentialsKeys,
  /**
   * Operations this process runs at once, across accounts. They wait on providers, not on CPU, and
   * the jobs of one moment share their statements (a batch is as large as this allows): the
   * per-account limits below are what protect each cloud.
   */
  OPERATIONS_CONCURRENCY: positiveInt.default(128),
  /** Operations running at once on one cloud account, across every executor replica. */
  ACCOUNT_CONCURRENCY: positiveInt.default(8),
  /** Operations started per second on one cloud account, across every executor replica. */
  ACCOUNT_RATE_PER_SECOND: positiveInt.default(20),
  /**
   * Minutes between two evaluations of the off-hours schedules: a resource reaches its desired
   * state at most this long after a scheduled change.
   */
  SCHEDULES_EVERY_MINUTES: positiveInt.default(5),
});

export type ExecutorConfig = z.infer<typeof env>;
