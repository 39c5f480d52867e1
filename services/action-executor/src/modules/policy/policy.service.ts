import type { Transaction } from 'kysely';
import { terraformAttributeOf } from '@stratus/cloud';
import { managingInstances, type ActionType, type Database } from '@stratus/db';
import { evaluatePolicy, type PolicyDecision, type PolicyFacts } from './policy.evaluation.ts';
import { DEFAULT_POLICY, policyDocument, type PolicyDocument } from './policy.schema.ts';

export type Trx = Transaction<Database>;
export type { PolicyDecision } from './policy.evaluation.ts';

export interface ActionRequestContext {
  organization_id: string;
  action_id: string;
  action_type: ActionType;
  parameters: Record<string, unknown>;
  /** The resources this request touches (one today). */
  resource_ids: string[];
  requested_by: string | null;
  recommendation_id: string | null;
  /** The requester's own ask (action.requested's requires_approval). */
  requires_approval: boolean;
  dry_run: boolean;
}

export interface StoredPolicy {
  document: PolicyDocument;
  /** True when the organisation has set no policy and the built-in one applies. */
  is_default: boolean;
  updated_at: Date | null;
  updated_by: string | null;
}

/** The organisation's policy, or the default. */
export async function readPolicy(trx: Trx, organizationId: string): Promise<StoredPolicy> {
  const row = await trx
    .selectFrom('action_policies')
    .select(['document', 'updated_at', 'updated_by'])
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  if (!row) return { document: DEFAULT_POLICY, is_default: true, updated_at: null, updated_by: null };
  // Parsed again so that a document stored by an older schema gets today's defaults.
  return { document: policyDocument.parse(row.document), is_default: false, updated_at: row.updated_at, updated_by: row.updated_by };
}

export async function writePolicy(trx: Trx, organizationId: string, document: PolicyDocument, userId: string): Promise<StoredPolicy> {
  const json = JSON.stringify(document);
  const row = await trx
    .insertInto('action_policies')
    .values({ organization_id: organizationId, document: json, updated_by: userId })
    .onConflict((conflict) => conflict.column('organization_id').doUpdateSet({ document: json, updated_by: userId }))
    .returning(['updated_at', 'updated_by'])
    .executeTakeFirstOrThrow();
  return { document, is_default: false, ...row };
}

/**
 * Loads what the policy looks at: the request's resources, their accounts' sizes (counted only when
 * a rule has max_resources_percent: a scan of the account on every request otherwise), the
 * recommendation's savings, and the Terraform state instances that manage the resources.
 */
async function factsOf(trx: Trx, request: ActionRequestContext, document: PolicyDocument): Promise<PolicyFacts> {
  const resources =
    request.resource_ids.length === 0
      ? []
      : await trx.selectFrom('resources').select(['id', 'cloud_account_id', 'tags', 'cost_monthly']).where('id', 'in', request.resource_ids).execute();
  const accounts = [...new Set(resources.map((resource) => resource.cloud_account_id))];
  const sizes =
    accounts.length === 0 || !document.rules.some((rule) => rule.when.max_resources_percent !== undefined)
      ? []
      : await trx
          .selectFrom('resources')
          .select(['cloud_account_id', (eb) => eb.fn.countAll<string>().as('count')])
          .where('cloud_account_id', 'in', accounts)
          .groupBy('cloud_account_id')
          .execute();
  const managed = await managingInstances(trx, resources.map((resource) => resource.id));
  const recommendation = request.recommendation_id
    ? await trx.selectFrom('recommendations').select('estimated_savings').where('id', '=', request.recommendation_id).executeTakeFirst()
    : undefined;
  return {
    action_type: request.action_type,
    requires_approval: request.requires_approval,
    resources,
    account_sizes: Object.fromEntries(sizes.map((size) => [size.cloud_account_id, Number(size.count)])),
    estimated_savings: recommendation?.estimated_savings ?? null,
    terraform: managed.map(({ resource_id, terraform_state_id, address, type }) => ({
      resource_id,
      terraform_state_id,
      address,
      attribute: terraformAttributeOf(type, request.action_type),
    })),
  };
}

/** Reads the organisation's policy and the resources (tags, account, cost) itself. */
export async function decide(trx: Trx, request: ActionRequestContext): Promise<PolicyDecision> {
  const policy = await readPolicy(trx, request.organization_id);
  const facts = await factsOf(trx, request, policy.document);
  return evaluatePolicy(policy.document, facts, new Date());
}
