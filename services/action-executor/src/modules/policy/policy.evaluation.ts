import type { ActionType, StratusRole } from '@stratus/db';
import type { PolicyDocument, PolicyRule } from './policy.schema.ts';

const HOUR_MS = 3_600_000;

/** A resource of the request that a Terraform state manages, and what to change in its code. */
export interface TerraformManagement {
  resource_id: string;
  terraform_state_id: string;
  /** module.network.aws_instance.web["a"] */
  address: string;
  /** The attribute the action changes (instance_type, tags, ...); null when it is the block itself (a delete). */
  attribute: string | null;
}

/** `terraform` is there when the request touches resources a state manages. */
type Managed = { terraform?: TerraformManagement[] };

export type PolicyDecision =
  | ({ outcome: 'allow'; reasons: string[] } & Managed)
  | ({ outcome: 'forbid'; reasons: string[] } & Managed)
  | ({
      outcome: 'require_approval';
      reasons: string[];
      quorum: number;
      expires_at: Date;
      /** Who is asked; absent means the default approvers (admins). */
      approver_role?: StratusRole;
    } & Managed);

/** What the policy is evaluated over, loaded by decide(). */
export interface PolicyFacts {
  action_type: ActionType;
  requires_approval: boolean;
  /** resource_groups: the names of the groups a resource is in, loaded when a rule asks. */
  resources: { id: string; cloud_account_id: string; tags: Record<string, string>; cost_monthly: string; resource_groups?: string[] }[];
  /** Resources per cloud account of the request's resources: the base of max_resources_percent. */
  account_sizes: Record<string, number>;
  /** Of the recommendation behind the request, if any. */
  estimated_savings: string | null;
  /** The request's resources that a Terraform state manages. */
  terraform?: TerraformManagement[];
}

function percentOfAnAccount(facts: PolicyFacts): number {
  const touched = new Map<string, number>();
  for (const resource of facts.resources) touched.set(resource.cloud_account_id, (touched.get(resource.cloud_account_id) ?? 0) + 1);
  let largest = 0;
  for (const [account, count] of touched) {
    const size = facts.account_sizes[account] ?? count;
    largest = Math.max(largest, size === 0 ? 100 : (100 * count) / size);
  }
  return largest;
}

/** Whether every condition of the rule holds for the request. */
export function ruleMatches(rule: PolicyRule, facts: PolicyFacts): boolean {
  const when = rule.when;
  if (when.action_types && !when.action_types.includes(facts.action_type)) return false;
  const tags = when.tags;
  if (tags && !facts.resources.some((resource) => Object.entries(tags).every(([key, value]) => resource.tags[key] === value))) return false;
  if (when.cloud_account_ids && !facts.resources.some((resource) => when.cloud_account_ids!.includes(resource.cloud_account_id))) return false;
  const groups = when.resource_groups;
  if (groups && !facts.resources.some((resource) => resource.resource_groups?.some((group) => groups.includes(group)))) return false;
  if (when.min_monthly_cost !== undefined) {
    const cost = facts.resources.reduce((sum, resource) => sum + Number(resource.cost_monthly), 0);
    if (cost < Number(when.min_monthly_cost)) return false;
  }
  if (when.min_estimated_savings !== undefined) {
    if (facts.estimated_savings === null || Number(facts.estimated_savings) < Number(when.min_estimated_savings)) return false;
  }
  if (when.max_resources !== undefined && facts.resources.length <= when.max_resources) return false;
  if (when.max_resources_percent !== undefined && percentOfAnAccount(facts) <= when.max_resources_percent) return false;
  if (when.terraform_managed !== undefined && (facts.terraform ?? []).length > 0 !== when.terraform_managed) return false;
  return true;
}

function terraformReason({ address, attribute }: TerraformManagement): string {
  const change = attribute === null ? 'change its block in code' : `change ${attribute} in code`;
  return `managed by Terraform at ${address}: ${change} too, or the next apply undoes this action`;
}

/**
 * The policy's decision over loaded facts: pure, so every combination is tested without a database.
 * An action on a resource a Terraform state manages needs approval whatever the rules say (a rule
 * with terraform_managed can forbid it instead), so nobody changes it behind its code unasked.
 */
export function evaluatePolicy(policy: PolicyDocument, facts: PolicyFacts, now: Date): PolicyDecision {
  const managed = facts.terraform ?? [];
  const terraform = managed.length > 0 ? { terraform: managed } : {};
  const matched = policy.rules.filter((rule) => ruleMatches(rule, facts));
  const forbidding = matched.filter((rule) => rule.effect === 'forbid');
  if (forbidding.length > 0) return { outcome: 'forbid', reasons: forbidding.map((rule) => `forbidden by rule "${rule.name}"`), ...terraform };

  const asking = matched.filter((rule) => rule.effect === 'require_approval');
  const reasons = asking.map((rule) => `approval required by rule "${rule.name}"`);
  if (facts.requires_approval) reasons.push('the requester asked for approval');
  reasons.push(...managed.map(terraformReason));
  if (reasons.length === 0) return { outcome: 'allow', reasons: ['no rule of the policy holds this action'] };

  // The requester's own ask, and a managed resource's, are held to the policy's approval settings.
  const settings = asking.map((rule) => ({ ...policy.approval, ...rule.approval }));
  if (facts.requires_approval || managed.length > 0) settings.push(policy.approval);
  const quorum = Math.max(...settings.map((setting) => setting.quorum));
  const hours = Math.min(...settings.map((setting) => setting.expires_in_hours));
  return {
    outcome: 'require_approval',
    reasons,
    quorum,
    expires_at: new Date(now.getTime() + hours * HOUR_MS),
    approver_role: settings[0]!.approver_role,
    ...terraform,
  };
}
