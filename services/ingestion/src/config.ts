import { z } from 'zod';
import { costRetentionEnv, port, serviceEnv } from '@stratus/config';
import { parseAllowedNetworks } from '@stratus/http';
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
  /**
   * Private networks Terraform backends may be read from, as comma-separated CIDRs (a GitLab or
   * MinIO of the company's network: `10.20.0.0/16`). Public addresses need no listing; this host
   * and link-local addresses (the cloud metadata service) are refused unless listed.
   */
  TERRAFORM_BACKEND_ALLOWED_NETWORKS: z
    .string()
    .default('')
    .transform((value, context) => {
      try {
        return parseAllowedNetworks(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});
