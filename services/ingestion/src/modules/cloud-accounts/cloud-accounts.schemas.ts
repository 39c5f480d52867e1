import { z } from 'zod';
import { simSettingsSchema, type AdapterKind, type CloudProvider } from '@stratus/cloud';
import { CLOUD_PROVIDERS, rowSchema } from '@stratus/db';
import { pageQuery, text } from '@stratus/http';
import { credentialSummarySchema, credentialsInput } from './credentials.schemas.ts';

const providerSchema = z.enum(CLOUD_PROVIDERS);
const adapterSchema = z.enum(['sim', 'live']) satisfies z.ZodType<AdapterKind>;

export const DEFAULT_SYNC_INTERVAL_MINUTES = 360;

/** The provider's own id of the account, in the form the provider gives it. */
const accountIds = {
  AWS: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  // Azure treats subscription ids case-insensitively; one case keeps the uniqueness check honest.
  AZURE: z.guid('must be an Azure subscription id (a GUID)').transform((id) => id.toLowerCase()),
  GCP: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
      'must be a GCP project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter',
    ),
} satisfies Record<CloudProvider, z.ZodType<string>>;

/**
 * Checked against the simulated cloud's own schema, so a misspelt setting is refused at link time
 * rather than failing every sync, but stored as given: the sim's defaults stay the sim's to change.
 */
const simSettings = z
  .looseObject({})
  .superRefine((value, ctx) => {
    for (const issue of simSettingsSchema.safeParse(value).error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  })
  .describe('options of the simulated cloud: seed, resources, regions, operation_latency_ms, failure_rate');

/** What a caller may set; `adapter` is not here, it is chosen once, at link time. */
const settingsInput = z.object({
  regions: z.array(text({ min: 1, max: 256 })).min(1).max(100).optional().describe('regions to scan; every region when absent'),
  sync_interval_minutes: z
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .optional()
    .describe(`minutes between inventory syncs (default ${DEFAULT_SYNC_INTERVAL_MINUTES})`),
  billing_period_start_day: z
    .int()
    .min(1)
    .max(28)
    .optional()
    .describe("Azure pay-as-you-go: the day of the month the subscription's billing period starts (its sign-up day); calendar months when absent. Its costs are estimates until five days after the period ends"),
  sim: simSettings.optional(),
});

type SettingsInput = z.infer<typeof settingsInput>;

/** Only an Azure pay-as-you-go subscription has a billing period of its own. */
export function billingPeriodRefusal(provider: CloudProvider, settings: SettingsInput | undefined): string | undefined {
  if (provider === 'AZURE' || settings?.billing_period_start_day === undefined) return undefined;
  return `only an Azure pay-as-you-go subscription has a billing period of its own (${provider} bills calendar months)`;
}

/** cloud_accounts.settings as this module writes it. */
export type AccountSettings = SettingsInput & { adapter: AdapterKind; sync_interval_minutes: number };

const name = text({ max: 200 }).trim().min(1);

function linkBodyOf<P extends CloudProvider>(provider: P) {
  return z.object({
    provider: z.literal(provider),
    account_id: accountIds[provider],
    name,
    adapter: adapterSchema
      .optional()
      .describe('"sim" reads the simulated cloud, "live" the provider\'s API; the server\'s STRATUS_CLOUD when absent'),
    credentials: credentialsInput.optional().describe(`required for adapter "live", refused for "sim". ${credentialsInput.description}`),
    settings: settingsInput.optional(),
  }).superRefine(({ settings }, ctx) => {
    const refusal = billingPeriodRefusal(provider, settings);
    if (refusal) ctx.addIssue({ code: 'custom', path: ['settings', 'billing_period_start_day'], message: refusal });
  });
}

export const linkBody = z.discriminatedUnion('provider', [linkBodyOf('AWS'), linkBodyOf('AZURE'), linkBodyOf('GCP')]);
export type LinkInput = z.infer<typeof linkBody>;

export const updateBody = z
  .object({
    name: name.optional(),
    settings: settingsInput
      .optional()
      .describe('merged into the current settings key by key (a given `sim` replaces the current one)'),
    credentials: credentialsInput.optional().describe(`replaces the stored credentials (live accounts only). ${credentialsInput.description}`),
    status: z.enum(['connected', 'disabled']).optional().describe('"disabled" pauses discovery, "connected" resumes it'),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    error: 'give at least one of name, settings, credentials, status',
  });
export type UpdateInput = z.infer<typeof updateBody>;

export const listQuery = pageQuery.extend({
  provider: providerSchema.optional(),
  status: z.string().optional().describe('connected, disabled, unlinked, error, credentials_invalid, ...'),
});

export const accountParams = z.object({ id: z.uuid() });

/** A linked account as the API shows it: no credential secret, ever (see credentialSummarySchema). */
export const cloudAccountSchema = rowSchema('cloud_accounts', {
  id: z.uuid(),
  provider: providerSchema,
  name: z.string(),
  account_id: z.string(),
  adapter: adapterSchema,
  status: z.string().describe('connected, disabled, unlinked (credentials gone, history kept), error, credentials_invalid'),
  last_sync: z.date().nullable(),
  last_sync_error: z.string().nullable(),
  settings: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()),
  has_credentials: z.boolean(),
  credentials: credentialSummarySchema.nullable().describe('how the stored credentials authenticate; null without credentials'),
  user_id: z.uuid().nullable().describe('who linked it'),
  created_at: z.date(),
  updated_at: z.date(),
});

export type CloudAccount = z.infer<typeof cloudAccountSchema>;
