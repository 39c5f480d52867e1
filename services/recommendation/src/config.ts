import { z } from 'zod';
import { port, serviceEnv } from '@stratus/config';

export const env = serviceEnv.extend({
  PORT: port.default(8083),
  /** How often the daily evaluation schedules are rebuilt from the organisations (ms). */
  RECOMMENDATIONS_RECONCILE_MS: z.coerce.number().int().min(1_000).default(300_000),
});
