import { sql, type Transaction } from 'kysely';
import type { ActionType, Database } from '@stratus/db';
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

/**
 * The organisation's policy, the request's resources and the recommendation's savings in one
 * statement: every request reads all three, and this is the request path's only read. The
 * accounts' sizes are counted only when a rule has max_resources_percent (a scan of each account).
 */
export async function assess(trx: Trx, request: ActionRequestContext): Promise<Assessment> {
  const rows = await trx
    .selectFrom(sql<{ one: number }>`(select 1)`.as('one'))
    .leftJoin('action_policies as p', (join) => join.on('p.organization_id', '=', request.organization_id))
    .leftJoin('recommendations as rec', (join) => join.on('rec.id', '=', request.recommendation_id))
    .leftJoin('resources as r', (join) => join.on(sql<boolean>`r.id = any(${request.resource_ids}::uuid[])`))
    .select(['p.document', 'p.updated_at', 'p.updated_by', 'rec.estimated_savings', 'r.id', 'r.cloud_account_id', 'r.tags', 'r.cost_monthly'])
    .execute();
  const first = rows[0]!;
  const policy = storedPolicy(first.document === null ? undefined : { document: first.document, updated_at: first.updated_at!, updated_by: first.updated_by });
  const resources = rows.flatMap((row) =>
    row.id === null || row.cloud_account_id === null || row.cost_monthly === null ? [] : [{ id: row.id, cloud_account_id: row.cloud_account_id, tags: row.tags ?? {}, cost_monthly: row.cost_monthly }],
  );
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
  const facts: PolicyFacts = {
    action_type: request.action_type,
    requires_approval: request.requires_approval,
    resources,
    account_sizes: Object.fromEntries(sizes.map((size) => [size.cloud_account_id, Number(size.count)])),
    estimated_savings: first.estimated_savings,
  };
  return { decision: evaluatePolicy(policy.document, facts, new Date()), resources };
}

/** Reads the organisation's policy and the resources (tags, account, cost) itself. */
export async function decide(trx: Trx, request: ActionRequestContext): Promise<PolicyDecision> {
  return (await assess(trx, request)).decision;
}
