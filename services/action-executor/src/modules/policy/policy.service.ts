import { sql, type Transaction } from 'kysely';
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
  return storedPolicy(row);
}

function storedPolicy(row: { document: unknown; updated_at: Date; updated_by: string | null } | undefined): StoredPolicy {
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

/** What decide() read: the decision, and which of the request's resources the organisation has. */
export interface Assessment {
  decision: PolicyDecision;
  resources: PolicyFacts['resources'];
}

export async function assess(trx: Trx, request: ActionRequestContext): Promise<Assessment> {
  return (await assessMany(trx, [request]))[0]!;
}

/**
 * Requests of one organisation assessed together (a run of action.requested costs what one
 * request did): the organisation's policy, every request's resources and recommendation's savings
 * in one statement, then the Terraform state instances that manage the resources. The accounts'
 * sizes are counted only when a rule has max_resources_percent (a scan of each account), the
 * resources' groups only when a rule names groups.
 */
export async function assessMany(trx: Trx, requests: readonly ActionRequestContext[]): Promise<Assessment[]> {
  const organizationId = requests[0]!.organization_id;
  if (requests.some((request) => request.organization_id !== organizationId)) throw new Error('assessMany: the requests of one organisation only');
  // A row per (request, resource); a request of no resources still gets one, for its savings.
  const asked = requests.flatMap((request, index) =>
    (request.resource_ids.length === 0 ? [null] : request.resource_ids).map((resourceId) => ({ index, resourceId, recommendationId: request.recommendation_id })),
  );
  const { rows } = await sql<{
    document: unknown;
    updated_at: Date | null;
    updated_by: string | null;
    request: number | null;
    estimated_savings: string | null;
    id: string | null;
    cloud_account_id: string | null;
    tags: Record<string, string> | null;
    cost_monthly: string | null;
  }>`
    select p.document, p.updated_at, p.updated_by, q.request, rec.estimated_savings, r.id, r.cloud_account_id, r.tags, r.cost_monthly
      from (select 1) as one
      left join action_policies p on p.organization_id = ${organizationId}::uuid
      left join unnest(${asked.map((row) => row.index)}::int[], ${asked.map((row) => row.resourceId)}::uuid[], ${asked.map((row) => row.recommendationId)}::uuid[])
             as q(request, resource_id, recommendation_id) on true
      left join recommendations rec on rec.id = q.recommendation_id
      left join resources r on r.id = q.resource_id
  `.execute(trx);
  const first = rows[0]!;
  const policy = storedPolicy(first.document === null ? undefined : { document: first.document, updated_at: first.updated_at!, updated_by: first.updated_by });
  const savings: (string | null)[] = requests.map(() => null);
  const resourcesOf: PolicyFacts['resources'][] = requests.map(() => []);
  for (const row of rows) {
    if (row.request === null) continue;
    savings[row.request] = row.estimated_savings;
    if (row.id === null || row.cloud_account_id === null || row.cost_monthly === null) continue;
    resourcesOf[row.request]!.push({ id: row.id, cloud_account_id: row.cloud_account_id, tags: row.tags ?? {}, cost_monthly: row.cost_monthly });
  }
  const resources = resourcesOf.flat();
  const accounts = [...new Set(resources.map((resource) => resource.cloud_account_id))];
  const sizes =
    accounts.length === 0 || !policy.document.rules.some((rule) => rule.when.max_resources_percent !== undefined)
      ? []
      : await trx
          .selectFrom('resources')
          .select(['cloud_account_id', (eb) => eb.fn.countAll<string>().as('count')])
          .where('cloud_account_id', 'in', accounts)
          .groupBy('cloud_account_id')
          .execute();
  const memberships =
    resources.length === 0 || !policy.document.rules.some((rule) => rule.when.resource_groups !== undefined)
      ? []
      : await trx
          .selectFrom('resource_group_memberships as m')
          .innerJoin('resource_groups as g', 'g.id', 'm.resource_group_id')
          .select(['m.resource_id', 'g.name'])
          .where('m.resource_id', 'in', [...new Set(resources.map((resource) => resource.id))])
          .execute();
  const managed = await managingInstances(trx, [...new Set(resources.map((resource) => resource.id))]);
  const accountSizes = Object.fromEntries(sizes.map((size) => [size.cloud_account_id, Number(size.count)]));
  const now = new Date();
  return requests.map((request, index) => {
    const own = new Set(resourcesOf[index]!.map((resource) => resource.id));
    const facts: PolicyFacts = {
      action_type: request.action_type,
      requires_approval: request.requires_approval,
      resources: resourcesOf[index]!.map((resource) => ({
        ...resource,
        resource_groups: memberships.filter((membership) => membership.resource_id === resource.id).map((membership) => membership.name),
      })),
      account_sizes: accountSizes,
      estimated_savings: savings[index]!,
      terraform: managed
        .filter((instance) => own.has(instance.resource_id))
        .map(({ resource_id, terraform_state_id, address, type }) => ({
          resource_id,
          terraform_state_id,
          address,
          attribute: terraformAttributeOf(type, request.action_type),
        })),
    };
    return { decision: evaluatePolicy(policy.document, facts, now), resources: facts.resources };
  });
}

/** Reads the organisation's policy and the resources (tags, account, cost) itself. */
export async function decide(trx: Trx, request: ActionRequestContext): Promise<PolicyDecision> {
  return (await assess(trx, request)).decision;
}
