import { z } from 'zod';
import { CLOUD_PROVIDERS } from '@stratus/db';
import { day, pageQuery, pageSchema, text } from '@stratus/http';
import type { CostFilters, Dimension } from './cost-plan.ts';

const provider = z.enum(CLOUD_PROVIDERS);
/** As long as a FOCUS cell of a dimension may be (see @stratus/cloud): a longer value matches no line. */
const dimensionValue = text({ min: 1, max: 1_024 });
const DIMENSION = /^(provider|account|service|region|resource|tag:.+)$/;
const dimensionsHelp = 'provider, account, service, region, resource or tag:<key>';

function isDimension(value: string): value is Dimension {
  return DIMENSION.test(value);
}

export const dimension = z
  .string()
  .refine(isDimension, `must be one of ${dimensionsHelp}`)
  .transform((value) => value as Dimension);

const groupBy = z
  .string()
  .default('service')
  .transform((value, ctx) => {
    const dimensions = value.split(',').map((part) => part.trim()).filter(Boolean);
    const unknown = dimensions.filter((part) => !isDimension(part));
    const repeated = dimensions.filter((part, index) => dimensions.indexOf(part) !== index);
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `${unknown.join(', ')}: not a dimension; use ${dimensionsHelp}` });
    if (repeated.length > 0) ctx.addIssue({ code: 'custom', message: `${repeated.join(', ')} given more than once` });
    return dimensions as Dimension[];
  })
  .describe(
    `comma list of ${dimensionsHelp} (default service; empty for totals only), e.g. "account,service" or "tag:team". ` +
      'A tag grouping covers the lines carrying that tag key.',
  );

/** `tag=env=prod&tag=team=core`: split at the first "=", so values may hold "=" and "," but keys may not hold "=". */
const tagFilter = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value, ctx) => {
    const tags = new Map<string, string>();
    for (const pair of value === undefined ? [] : [value].flat()) {
      const at = pair.indexOf('=');
      const [key, tagValue] = [pair.slice(0, at), pair.slice(at + 1)];
      if (at <= 0) ctx.addIssue({ code: 'custom', message: `"${pair}" must be key=value` });
      else if (tags.has(key) && tags.get(key) !== tagValue) ctx.addIssue({ code: 'custom', message: `tag ${key} is given two values` });
      else tags.set(key, tagValue);
    }
    return tags.size > 0 ? Object.fromEntries(tags) : undefined;
  })
  .describe('key=value; repeat the parameter for more (tag=env=prod&tag=team=core): lines must carry every pair');

/** The filters every cost read takes; all given must match. */
export const costFiltersQuery = z.object({
  provider: provider.optional(),
  account: z.uuid().optional().describe('a linked cloud account (its id in Stratus)'),
  service: dimensionValue.optional().describe('as billed, e.g. AmazonEC2'),
  region: dimensionValue.optional(),
  tag: tagFilter,
  group: z.uuid().optional().describe('a resource group (its id in Stratus): the lines of its member resources'),
  resource: z.uuid().optional().describe('a resource of the inventory (its id in Stratus): its own lines'),
});

export function filtersOf(query: z.infer<typeof costFiltersQuery>): CostFilters {
  const { provider, account, service, region, tag, group, resource } = query;
  return { provider, account, service, region, tags: tag, group, resource };
}

const range = {
  from: day.optional().describe('first day (UTC), YYYY-MM-DD; default: the first day of the current month'),
  to: day.optional().describe('day after the last (UTC), YYYY-MM-DD: [from, to); default: the first day of next month'),
};

/** What breakdown and export ask. */
export const costQuestionQuery = costFiltersQuery.extend({
  group_by: groupBy,
  granularity: z
    .enum(['day', 'month', 'total'])
    .default('month')
    .describe('month (default), day, or total for the whole range; months of a range not of whole months hold only its days'),
  ...range,
});

export const breakdownQuery = costQuestionQuery.extend(pageQuery.shape);

export const topQuery = costFiltersQuery.extend({
  by: dimension.default('service').describe(`one of ${dimensionsHelp} (default service)`),
  limit: z.coerce.number().int().min(1).max(100).default(10).describe('entries per currency, 1 to 100 (default 10)'),
  ...range,
});

const amount = z.string().describe('decimal string, in currency');
const currency = z.string().describe('ISO 4217; amounts are never converted, so each currency has its own rows');
const source = {
  source: z.enum(['rollup', 'raw']).describe('raw: no rollup holds these dimensions, so raw cost lines were read (slower)'),
  source_table: z.enum(['cost_rollups', 'cost_tag_rollups', 'cost_resource_rollups', 'cost_data']),
};
const answeredRange = { from: day, to: day.describe('exclusive') };

export const breakdownItem = z.object({
  period: day.describe('first day of the day or month; with granularity total, from'),
  group: z
    .record(z.string(), z.string().nullable())
    .describe('the value of each group_by entry; null for lines of no service, region or resource'),
  currency,
  amount,
});

export const breakdownSchema = pageSchema(breakdownItem).extend({
  ...answeredRange,
  granularity: z.enum(['day', 'month', 'total']),
  group_by: z.array(z.string()),
  ...source,
  estimated_days: z
    .array(day)
    .describe(
      "days of the range whose amounts are still the provider's estimate (AWS Cost Explorer's Estimated days) for an " +
        'account the provider and account filters take in; the next import of those days replaces them with final amounts',
    ),
});

export const topSchema = z.object({
  by: z.string(),
  ...answeredRange,
  ...source,
  items: z.array(
    z.object({
      value: z.string().nullable().describe('the value of `by` (an account id for account); null for none'),
      cloud_account_id: z.uuid().nullable().describe('with by=account or by=resource'),
      name: z.string().nullable().describe("the account's, or the resource's in the inventory"),
      type: z.string().nullable().describe("the resource's type in the inventory"),
      currency,
      amount,
    }),
  ),
});

export const forecastSchema = z.object({
  month: day.describe('first day of the current UTC month'),
  days_in_month: z.number().int(),
  days_elapsed: z.number().int().describe('days from the 1st through `through`'),
  through: day.nullable().describe('the last complete day (before today, UTC) with spend; null when none yet'),
  items: z.array(
    z.object({
      currency,
      spend_to_date: amount.describe('spend of the days through `through`'),
      daily_run_rate: amount.nullable().describe('spend_to_date / days_elapsed; null when days_elapsed is 0'),
      forecast: amount.nullable().describe('spend_to_date + daily_run_rate × (days_in_month − days_elapsed)'),
      previous_month_total: amount,
    }),
  ),
});
