import { z } from 'zod';
import { CLOUD_PROVIDERS, RECOMMENDATION_DISMISS_REASONS, RECOMMENDATION_PRIORITIES, RECOMMENDATION_STATUSES, rowSchema, type JsonObject } from '@stratus/db';
import { RECOMMENDATION_TYPES } from '../../rules/index.ts';
import { realizedSchema } from '../realized-savings/realized-savings.schemas.ts';
import { priorityLevel, type RecommendationRow } from './recommendation-events.ts';
import { etagOf } from './transitions.service.ts';

const decimal = z.string().regex(/^\d+(\.\d+)?$/, { error: 'expected a decimal number, e.g. "25" or "12.50"' });
const priorityLevels = Object.keys(RECOMMENDATION_PRIORITIES) as [keyof typeof RECOMMENDATION_PRIORITIES, ...(keyof typeof RECOMMENDATION_PRIORITIES)[]];

export const recommendationParams = z.object({ id: z.uuid() });

/** The filters of the list and of the CSV export. */
export const filtersQuery = z.object({
  cloud_account_id: z.uuid().optional(),
  resource_id: z.uuid().optional().describe("the resource's recommendations (a resource's page shows them)"),
  provider: z.enum(CLOUD_PROVIDERS).optional(),
  recommendation_type: z.enum(RECOMMENDATION_TYPES).optional(),
  status: z.enum(RECOMMENDATION_STATUSES).optional().describe('any status when absent'),
  priority: z.enum(priorityLevels).optional().describe('this priority or higher'),
  tag: z
    .string()
    .regex(/^[^=]+=.*$/, { error: 'expected key=value, e.g. team=payments' })
    .optional()
    .describe("the resource's tag, key=value"),
  min_savings: decimal.optional().describe('at least these monthly savings'),
});
export type Filters = z.infer<typeof filtersQuery>;

export const listQuery = filtersQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size, 1 to 500'),
  cursor: z.string().optional().describe('next_cursor of the previous page'),
});

const action = z.object({ type: z.string(), parameters: z.record(z.string(), z.unknown()) }).nullable();

const recommendationFields = {
  id: z.uuid(),
  cloud_account_id: z.uuid().nullable(),
  resource_id: z.uuid().nullable(),
  provider: z.enum(CLOUD_PROVIDERS),
  recommendation_type: z.string(),
  title: z.string(),
  reason: z.string().nullable(),
  status: z.enum(RECOMMENDATION_STATUSES),
  priority: z.number().int().describe('higher is more important: 1 low, 2 medium, 3 high'),
  priority_level: z.enum(priorityLevels),
  estimated_savings: z.string().nullable().describe('monthly, decimal'),
  currency: z.string().nullable(),
  savings_basis: z.enum(['effective_cost', 'list_price']).nullable().describe("the resource's own cost lines of the last 30 days, or list prices"),
  effort: z.string().nullable(),
  restart_needed: z.boolean().nullable(),
  reversible: z.boolean().nullable(),
  action: action.describe('what apply requests; null where people act'),
  evidence: z.record(z.string(), z.unknown()).describe('the metrics that decided, with their window'),
  etag: z.string().describe('send it back with a transition; a stale one gets 409'),
  state_metadata: z.record(z.string(), z.unknown()).describe("the last transition's reason code, note, action ..."),
  snoozed_until: z.date().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
  evaluated_at: z.date(),
  expires_at: z.date().nullable(),
};

export const recommendationSchema = rowSchema('recommendations', recommendationFields);

export const historySchema = z.object({
  change: z.string(),
  from_status: z.enum(RECOMMENDATION_STATUSES).nullable(),
  to_status: z.enum(RECOMMENDATION_STATUSES),
  etag: z.string(),
  user_id: z.uuid().nullable(),
  details: z.record(z.string(), z.unknown()),
  created_at: z.date(),
});

export const detailSchema = rowSchema('recommendations', {
  ...recommendationFields,
  history: z.array(historySchema),
  realized: realizedSchema.nullable().describe('what the applied action really saved; null until it succeeded'),
});

const etag = z.string().min(1).describe('the etag of the recommendation as last read');
export const applyBody = z.object({ etag, parameters: z.record(z.string(), z.unknown()).optional().describe("overrides of the action's parameters") });
export const dismissBody = z.object({ etag, reason_code: z.enum(RECOMMENDATION_DISMISS_REASONS), note: z.string().max(2000).optional() });
export const snoozeBody = z.object({ etag, until: z.coerce.date().describe('ISO 8601; reopens then'), note: z.string().max(2000).optional() });
export const reopenBody = z.object({ etag });

const savingsGroup = z.object({ count: z.number().int(), estimated_savings: z.string(), currency: z.string() });
export const summarySchema = z.object({
  by_type: z.array(savingsGroup.extend({ recommendation_type: z.string() })),
  by_account: z.array(savingsGroup.extend({ cloud_account_id: z.uuid().nullable() })),
  by_provider: z.array(savingsGroup.extend({ provider: z.enum(CLOUD_PROVIDERS) })),
});

interface Details {
  evidence?: JsonObject;
  savings_basis?: 'effective_cost' | 'list_price' | null;
  effort?: string;
  restart_needed?: boolean;
  reversible?: boolean;
  action?: { type: string; parameters: JsonObject } | null;
}

export function toRecommendation(row: RecommendationRow): z.infer<typeof recommendationSchema> {
  const details = row.details as Details;
  return {
    id: row.id,
    cloud_account_id: row.cloud_account_id,
    resource_id: row.resource_id,
    provider: row.provider,
    recommendation_type: row.recommendation_type,
    title: row.title,
    reason: row.reason,
    status: row.status,
    priority: row.priority,
    priority_level: priorityLevel(row.priority),
    estimated_savings: row.estimated_savings,
    currency: row.currency,
    savings_basis: details.savings_basis ?? null,
    effort: details.effort ?? null,
    restart_needed: details.restart_needed ?? null,
    reversible: details.reversible ?? null,
    action: details.action ?? null,
    evidence: details.evidence ?? {},
    etag: etagOf(row),
    state_metadata: row.state_metadata,
    snoozed_until: row.snoozed_until,
    created_at: row.created_at,
    updated_at: row.updated_at,
    evaluated_at: row.evaluated_at,
    expires_at: row.expires_at,
  };
}
