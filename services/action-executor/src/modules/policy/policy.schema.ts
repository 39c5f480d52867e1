import { z } from 'zod';
import { ACTION_TYPES, STRATUS_ROLES } from '@stratus/db';
import { text } from '@stratus/http';

/** Money and thresholds travel as decimal strings, as everywhere in Stratus. */
const amount = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'must be a non-negative decimal amount, e.g. "250.00"');

export const DEFAULT_APPROVAL = { quorum: 1, approver_role: 'admin', expires_in_hours: 72 } as const;

const approvalSettings = z
  .object({
    /** Approvals needed (n of the m approvers asked). */
    quorum: z.number().int().min(1).max(20),
    /** Approvers are the organisation's active users holding a token of this role. */
    approver_role: z.enum(STRATUS_ROLES),
    expires_in_hours: z.number().int().min(1).max(24 * 30),
  })
  .strict();

/** Every condition given must hold for the rule to match; a rule without conditions matches every action. */
const conditions = z
  .object({
    action_types: z.array(z.enum(ACTION_TYPES)).min(1).optional(),
    /** Every listed tag (key and value) on one of the request's resources, e.g. { "env": "prod" }. */
    tags: z.record(text({ min: 1, max: 128 }), text({ max: 256 })).optional(),
    cloud_account_ids: z.array(z.uuid()).min(1).optional(),
    /** One of the request's resources is in a resource group of one of these names. */
    resource_groups: z.array(text({ min: 1, max: 200 })).min(1).optional(),
    /** The monthly cost of the request's resources together is at least this. */
    min_monthly_cost: amount.optional(),
    /** The recommendation behind the request saves at least this a month. */
    min_estimated_savings: amount.optional(),
    /** Blast radius (Cloud Custodian's max-resources): the request touches more than this many resources. */
    max_resources: z.number().int().min(0).optional(),
    /** Blast radius (max-resources-percent): more than this share of one account's resources. */
    max_resources_percent: z.number().min(0).max(100).optional(),
    /** One of the request's resources is (true) or none is (false) managed by a Terraform state. */
    terraform_managed: z.boolean().optional(),
  })
  .strict();

export const RULE_EFFECTS = ['require_approval', 'forbid'] as const;

const rule = z
  .object({
    name: text({ min: 1, max: 200 }),
    effect: z.enum(RULE_EFFECTS),
    when: conditions,
    /** Overrides the policy's approval settings for the actions this rule holds. */
    approval: approvalSettings.partial().optional(),
  })
  .strict();

/**
 * An organisation's action policy. The strictest outcome wins: a matching `forbid` rule forbids;
 * otherwise matching `require_approval` rules ask for approval with the largest quorum and the
 * shortest expiry among them (the first of them names the approver role); otherwise the action
 * runs, unless its requester asked for approval.
 */
export const policyDocument = z
  .object({
    rules: z.array(rule).max(200),
    approval: approvalSettings.default(DEFAULT_APPROVAL),
  })
  .strict();

export type PolicyDocument = z.infer<typeof policyDocument>;
export type PolicyRule = PolicyDocument['rules'][number];

/** The policy of an organisation that has not set one: deleting needs approval. */
export const DEFAULT_POLICY: PolicyDocument = {
  rules: [{ name: 'deleting needs approval', effect: 'require_approval', when: { action_types: ['delete'] } }],
  approval: DEFAULT_APPROVAL,
};
