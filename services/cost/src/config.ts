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
  /** How often partitions, retention and abandoned imports are seen to (ms). */
  COST_MAINTENANCE_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
});

export type CostConfig = z.infer<typeof env>;
