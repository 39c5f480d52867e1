import { z } from 'zod';
import { costRetentionEnv, objectStoreEnv, port, serviceEnv } from '@stratus/config';

export const env = serviceEnv.extend({
  PORT: port.default(8082),
  ...costRetentionEnv.shape,
  /** Where months past retention are archived before their lines are dropped (none: dropped unarchived). */
  ...objectStoreEnv.shape,
  /** Monthly partitions of cost_data kept ready ahead of the current month. */
  COST_PARTITIONS_AHEAD: z.coerce.number().int().min(1).max(60).default(3),
  /** An import whose batches stopped arriving this long ago is abandoned and its lines deleted. */
  COST_IMPORT_ABANDON_AFTER_HOURS: z.coerce.number().positive().default(24),
  /** Days a report run's CSV and HTML stay in the bucket (a lifecycle rule on reports/). */
  REPORT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** How long the signed links a report run sends work (at most 7 days: S3's limit for signed links). */
  REPORT_LINK_EXPIRY_SECONDS: z.coerce.number().int().min(60).max(604_800).default(86_400),
  /** How often partitions, retention and abandoned imports are seen to (ms). */
  COST_MAINTENANCE_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
});

export type CostConfig = z.infer<typeof env>;
