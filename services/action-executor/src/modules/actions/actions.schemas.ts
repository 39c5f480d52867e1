import { z } from 'zod';
import { ACTION_STATUSES, ACTION_TYPES, rowSchema, type ActionType } from '@stratus/db';
import { pageQuery } from '@stratus/http';
import { operationSchema } from '../operations/operations.routes.ts';

/** What each action type takes, checked before anything is requested (the provider checks the values). */
export const PARAMETERS: Readonly<Record<ActionType, z.ZodType<Record<string, unknown>>>> = {
  start: z.object({}).strict(),
  stop: z.object({}).strict(),
  scale: z.object({ size: z.union([z.string().min(1), z.int().positive()]) }).strict(),
  snapshot: z.object({ name: z.string().min(1).optional() }).strict(),
  delete: z.object({}).strict(),
  tag: z.object({ tags: z.record(z.string(), z.string()).refine((tags) => Object.keys(tags).length > 0, 'at least one tag') }).strict(),
};

export const requestBody = z.object({
  resource_id: z.uuid(),
  action_type: z.enum(ACTION_TYPES),
  parameters: z.record(z.string(), z.unknown()).default({}).describe('scale: {size}; tag: {tags}; snapshot: {name?}; others: {}'),
  dry_run: z.boolean().default(false).describe('show the decision and the operations it would run; nothing is recorded, executed or queued'),
});

const actionShape = {
  id: z.uuid(),
  recommendation_id: z.uuid().nullable(),
  action_type: z.enum(ACTION_TYPES),
  resource_id: z.uuid().nullable(),
  status: z.enum(ACTION_STATUSES),
  parameters: z.record(z.string(), z.unknown()),
  scheduled_for: z.date().nullable(),
  created_by: z.uuid().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
};

export const actionSchema = rowSchema('actions', actionShape);

export const historySchema = rowSchema('action_history', {
  id: z.uuid(),
  status: z.enum(ACTION_STATUSES),
  executed_at: z.date(),
  executed_by: z.uuid().nullable(),
  result: z.unknown().nullable(),
  details: z.string().nullable(),
});

export const actionDetailSchema = rowSchema('actions', { ...actionShape, history: z.array(historySchema), operations: z.array(operationSchema) });

export const listQuery = pageQuery.extend({
  status: z.enum(ACTION_STATUSES).optional(),
  action_type: z.enum(ACTION_TYPES).optional(),
  resource_id: z.uuid().optional(),
  recommendation_id: z.uuid().optional(),
});

export const decisionSchema = z.object({
  outcome: z.enum(['allow', 'forbid', 'require_approval', 'unknown_resource']),
  reasons: z.array(z.string()),
  quorum: z.number().int().optional(),
  expires_at: z.date().optional(),
  terraform: z
    .array(z.object({ resource_id: z.uuid(), terraform_state_id: z.uuid(), address: z.string(), attribute: z.string().nullable() }))
    .optional()
    .describe('the resources a Terraform state manages: the address, and the attribute to change in code (null: the block itself)'),
});

export const dryRunSchema = z.object({
  dry_run: z.literal(true),
  decision: decisionSchema,
  operations: z.array(z.object({ resource_id: z.uuid(), provider_resource_id: z.string().nullable(), operation: z.enum(ACTION_TYPES), params: z.record(z.string(), z.unknown()) })),
});
