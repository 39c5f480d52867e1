import { z } from 'zod';
import { CloudError, type CloudAccountRef } from '../adapter.ts';
import { CATALOGS, type Region } from './catalog.ts';
import { hashString } from './random.ts';

/** The account's settings.sim cannot be used; its owner has to fix them, a retry will not help. */
export class SimSettingsError extends CloudError {
  override name = 'SimSettingsError';
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** cloud_accounts.settings.sim. Unknown keys are refused, so a misspelt setting is not silently ignored. */
export const simSettingsSchema = z.strictObject({
  /** Seeds the whole fleet; by default the account's id, so every account has its own fleet. */
  seed: z.union([z.string().min(1), z.int()]).optional(),
  /** Fleet size. Resource i depends only on (seed, i): shrinking removes the last ones, growing appends. */
  resources: z.int().min(0).max(5_000_000).default(250),
  /** A subset of the provider's regions to place resources in; all of them by default. */
  regions: z.array(z.string()).min(1).optional(),
  /** Base latency of an operation; resizes and snapshots take a multiple of it. */
  operation_latency_ms: z.number().min(0).max(600_000).default(1500),
  /** Probability that an operation attempt fails. */
  failure_rate: z.number().min(0).max(1).default(0.05),
});

export type SimSettings = z.input<typeof simSettingsSchema>;

export interface SimConfig {
  seed: number;
  resources: number;
  regions: readonly Region[];
  operation_latency_ms: number;
  failure_rate: number;
}

export function parseSimSettings(account: CloudAccountRef): SimConfig {
  const fail = (detail: string) => new SimSettingsError(`invalid settings.sim of cloud account ${account.id}: ${detail}`);
  const catalog = CATALOGS[account.provider];
  if (!catalog) throw fail(`unknown provider ${String(account.provider)}`);
  const parsed = simSettingsSchema.safeParse(account.settings.sim ?? {});
  if (!parsed.success) {
    throw fail(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'sim'}: ${issue.message}`).join('; '));
  }
  const settings = parsed.data;
  const regions = settings.regions?.map((name) => {
    const region = catalog.regions.find((candidate) => candidate.name === name);
    if (!region) throw fail(`regions: ${name} is not a ${account.provider} region the sim knows (${catalog.regions.map((r) => r.name).join(', ')})`);
    return region;
  });
  return {
    seed: hashString(String(settings.seed ?? account.id)),
    resources: settings.resources,
    regions: regions ? [...new Set(regions)] : catalog.regions,
    operation_latency_ms: settings.operation_latency_ms,
    failure_rate: settings.failure_rate,
  };
}
