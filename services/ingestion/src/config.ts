import { z } from 'zod';
import { costRetentionEnv, port, serviceEnv } from '@stratus/config';
import { credentialsKeys } from '@stratus/vault';

export const env = serviceEnv.extend({
  PORT: port.default(8081),
  /** Imports reaching back past the cost service's raw retention are refused when requested. */
  ...costRetentionEnv.shape,
  /**
   * The key-encryption keys of cloud credentials, active first; older keys stay listed until
   * `stratus credentials rotate` has re-wrapped everything they wrapped.
   */
  CREDENTIALS_KEYS: credentialsKeys,
  /** The adapter a newly linked account gets when the request does not name one. */
  STRATUS_CLOUD: z.enum(['sim', 'live']).default('sim'),
  /** Account syncs and cost pulls run at once per replica. */
  DISCOVERY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** How often the discovery schedules are rebuilt from the accounts (ms). */
  DISCOVERY_RECONCILE_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** Largest FOCUS file accepted by upload, in bytes (2 GiB by default). */
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
});
