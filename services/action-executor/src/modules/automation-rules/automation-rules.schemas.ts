import { z } from 'zod';
import { ACTION_TYPES, AUTOMATION_RULE_STATUSES, CLOUD_PROVIDERS, OPERATION_STATUSES, rowSchema } from '@stratus/db';
import { LIMITS, pageQuery, text } from '@stratus/http';

export const MAX_RESOURCES_LIMIT = 1_000_000;
/** Resource ids a run keeps in its details: enough to check a run, bounded for a rule matching 50,000. */
export const RUN_SAMPLE_SIZE = 100;

const ruleFields = {
  name: text({ min: 1, max: 200 }),
  match: text({ min: 1, max: LIMITS.text }).describe('a match expression, e.g. env=dev AND type=vm AND NOT tag:keep (grammar: packages/match/README.md)'),
  action: z.enum(ACTION_TYPES),
  parameters: z.record(z.string(), z.unknown()).describe('as POST /v1/actions takes them: scale: {size}; tag: {tags}; snapshot: {name?}; others: {}'),
  cron: text({ min: 1, max: 100 }).describe('5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first'),
  timezone: text({ min: 1, max: 64 }).describe('IANA zone the cron reads its wall clock in, e.g. Europe/Paris'),
  status: z.enum(AUTOMATION_RULE_STATUSES),
  max_resources: z.int().min(1).max(MAX_RESOURCES_LIMIT).describe('blast radius: a run matching more resources requests nothing and fails with reason blast_radius'),
};

export const createBody = z.object({
  ...ruleFields,
  parameters: ruleFields.parameters.default({}),
  timezone: ruleFields.timezone.default('UTC'),
  status: ruleFields.status.default('enabled'),
  max_resources: ruleFields.max_resources.default(100),
});

export const updateBody = z.object(ruleFields).partial();
export type RuleChanges = z.infer<typeof updateBody>;

export const ruleSchema = rowSchema('automation_rules', {
  id: z.uuid(),
  user_id: z.uuid().nullable(),
  name: z.string(),
  match: z.string(),
  action: z.enum(ACTION_TYPES),
  parameters: z.record(z.string(), z.unknown()),
  cron: z.string(),
  timezone: z.string(),
  status: z.enum(AUTOMATION_RULE_STATUSES),
  max_resources: z.int(),
  created_at: z.date(),
  updated_at: z.date(),
  next_runs: z.array(z.date()).describe('the next three cron ticks (empty when disabled)'),
});

export const runDetails = z.object({
  trigger: z.enum(['schedule', 'manual']),
  match: z.string(),
  action: z.enum(ACTION_TYPES),
  matched: z.int().describe('resources the match selected'),
  actions_requested: z.int(),
  resource_ids: z.array(z.uuid()).describe(`the first ${RUN_SAMPLE_SIZE} matched resources, by id`),
  reason: z.string().optional().describe('why nothing was requested: blast_radius, invalid_match, or the error'),
});
export type RunDetails = z.infer<typeof runDetails>;

export const runSchema = rowSchema('automation_rule_runs', {
  id: z.uuid(),
  rule_id: z.uuid(),
  user_id: z.uuid().nullable(),
  status: z.enum(OPERATION_STATUSES),
  scheduled_for: z.date().nullable(),
  started_at: z.date(),
  finished_at: z.date().nullable(),
  details: runDetails,
});

export const previewQuery = pageQuery.pick({ limit: true, cursor: true });
export const previewBody = z.object({ match: ruleFields.match, limit: previewQuery.shape.limit, cursor: previewQuery.shape.cursor });

export const previewSchema = z.object({
  match: z.string().describe('the expression in canonical form'),
  count: z.int(),
  items: z.array(
    rowSchema('resources', {
      id: z.uuid(),
      cloud_account_id: z.uuid(),
      provider: z.enum(CLOUD_PROVIDERS),
      name: z.string().nullable(),
      type: z.string(),
      region: z.string().nullable(),
      state: z.string().nullable(),
      cost_monthly: z.string(),
    }),
  ),
  next_cursor: z.string().nullable(),
});
