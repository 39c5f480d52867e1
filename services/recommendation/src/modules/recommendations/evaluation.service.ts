/**
 * Evaluation: the rules over the inventory and the cost store, reconciled with the live
 * recommendations. For each subject (a resource, or an account for account-wide rules) and rule:
 * a finding with no live recommendation creates one; a finding whose evidence changed updates it
 * in place; an unchanged one is only stamped as confirmed; a live recommendation without a finding
 * is resolved (unless claimed: its action's outcome decides). Running it twice on the same data
 * writes nothing the second time, so redelivered events and overlapping jobs are harmless.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { probeEach, withTenant, type Database, type JsonObject } from '@stratus/db';
import { ACCOUNT_RULES, RESOURCE_RULES, type AccountSpend, type Finding, type ResourceCost, type RuleResource } from '../../rules/index.ts';
import type { RecommendationRow } from './recommendation-events.ts';
import { nextStatus } from './lifecycle.ts';
import { confirm, insertProposals, liveOf, retire, updateProposal, writeTransition, type Proposal, type Trx } from './recommendations.repository.ts';

/** The cost and utilisation window the rules look at. */
export const WINDOW_DAYS = 30;
export const DAYS_PER_MONTH = 730 / 24;
/** Resources per read and per transaction of an account's evaluation. */
const BATCH = 1000;
/** An unchanged recommendation is stamped as confirmed at most this often. */
const CONFIRM_EVERY_MS = 12 * 3_600_000;
const TOP_UNTAGGED = 5;

export interface EvaluationCounts {
  resources: number;
  created: number;
  updated: number;
  resolved: number;
}

const none = (): EvaluationCounts => ({ resources: 0, created: 0, updated: 0, resolved: 0 });

function add(into: EvaluationCounts, counts: EvaluationCounts): void {
  into.resources += counts.resources;
  into.created += counts.created;
  into.updated += counts.updated;
  into.resolved += counts.resolved;
}

type ResourceRow = RuleResource & { organization_id: string };

function selectResources(trx: Trx) {
  return trx
    .selectFrom('resources')
    .select(['id', 'organization_id', 'cloud_account_id', 'provider', 'type', 'name', 'region', 'state', 'tags', 'metadata']);
}

/** Each resource's effective and billed cost over the window, as monthly figures, in its main currency. */
export async function resourceCosts(trx: Trx, ids: readonly string[], now: Date): Promise<Map<string, ResourceCost>> {
  const costs = new Map<string, ResourceCost>();
  if (ids.length === 0) return costs;
  const from = new Date(now.getTime() - WINDOW_DAYS * 86_400_000);
  const { rows } = await sql<{ resource_id: string; currency: string; effective: string; billed: string; days: number }>`
    select resource_id, currency,
           sum(coalesce((dimensions ->> 'effective_cost')::numeric, amount))::text as effective,
           sum(amount)::text as billed,
           count(distinct date_trunc('day', "timestamp"))::int as days
      from cost_data
     where resource_id = any(${ids}::uuid[]) and "timestamp" >= ${from} and "timestamp" < ${now}
     group by resource_id, currency
  `.execute(trx);
  for (const row of rows) {
    const cost: ResourceCost = {
      monthly: (Number(row.effective) / row.days) * DAYS_PER_MONTH,
      billed_monthly: (Number(row.billed) / row.days) * DAYS_PER_MONTH,
      currency: row.currency,
      days: row.days,
    };
    // A resource billed in two currencies: the larger one speaks for it.
    const known = costs.get(row.resource_id);
    if (!known || known.billed_monthly < cost.billed_monthly) costs.set(row.resource_id, cost);
  }
  return costs;
}

function fingerprintOf(finding: Finding): string {
  return createHash('sha256').update(JSON.stringify(finding)).digest('base64url');
}

function proposalOf(
  subject: { organization_id: string; subject_id: string; resource_id: string | null; cloud_account_id: string; provider: RecommendationRow['provider'] },
  type: string,
  finding: Finding,
): Proposal {
  return {
    ...subject,
    recommendation_type: type,
    title: finding.title,
    reason: finding.reason,
    priority: finding.priority,
    estimated_savings: finding.savings === null ? null : finding.savings.monthly.toFixed(2),
    currency: finding.savings?.currency ?? null,
    details: {
      evidence: finding.evidence,
      savings_basis: finding.savings?.basis ?? null,
      effort: finding.effort,
      restart_needed: finding.restart_needed,
      reversible: finding.reversible,
      action: finding.action,
    } as JsonObject,
    fingerprint: fingerprintOf(finding),
  };
}

/**
 * Reconciles the proposals of a set of subjects with their live recommendations. `types` are the
 * rules that were evaluated: a live recommendation of another type is left as it is.
 */
async function reconcile(trx: Trx, subjectIds: readonly string[], types: ReadonlySet<string>, proposals: readonly Proposal[], now: Date, resolveReason: string): Promise<EvaluationCounts> {
  const counts = none();
  const live = new Map<string, RecommendationRow>();
  for (const row of await liveOf(trx, subjectIds)) {
    if (types.has(row.recommendation_type)) live.set(`${row.subject_id}/${row.recommendation_type}`, row);
  }
  const fresh: Proposal[] = [];
  const confirmed: string[] = [];
  for (const proposal of proposals) {
    const key = `${proposal.subject_id}/${proposal.recommendation_type}`;
    const current = live.get(key);
    live.delete(key);
    if (!current) fresh.push(proposal);
    else if (current.fingerprint !== proposal.fingerprint) counts.updated += Number(await updateProposal(trx, current, proposal, now));
    else if (now.getTime() - current.evaluated_at.getTime() >= CONFIRM_EVERY_MS) confirmed.push(current.id);
  }
  counts.created = (await insertProposals(trx, fresh, now)).length;
  await confirm(trx, confirmed, now);
  counts.resolved = await retire(trx, [...live.values()].map((row) => row.id), 'resolved', resolveReason);
  return counts;
}

const RESOURCE_TYPES = new Set(RESOURCE_RULES.map((rule) => rule.type));
const ACCOUNT_TYPES = new Set(ACCOUNT_RULES.map((rule) => rule.type));

/** Runs the resource rules over resources already read, and reconciles. */
async function evaluateBatch(trx: Trx, resources: readonly ResourceRow[], costs: Map<string, ResourceCost>, now: Date): Promise<EvaluationCounts> {
  const proposals: Proposal[] = [];
  for (const resource of resources) {
    const context = { now, cost: costs.get(resource.id) };
    const subject = { organization_id: resource.organization_id, subject_id: resource.id, resource_id: resource.id, cloud_account_id: resource.cloud_account_id, provider: resource.provider };
    for (const rule of RESOURCE_RULES) {
      const finding = rule.evaluate(resource, context);
      if (finding) proposals.push(proposalOf(subject, rule.type, finding));
    }
  }
  const counts = await reconcile(trx, resources.map((resource) => resource.id), RESOURCE_TYPES, proposals, now, 'no_longer_matches');
  counts.resources = resources.length;
  return counts;
}

/**
 * Evaluates the resources with these ids (inside the caller's tenant transaction). An id that is no
 * longer in the inventory resolves its recommendations.
 */
export async function evaluateResources(trx: Trx, ids: readonly string[], now: Date): Promise<EvaluationCounts> {
  if (ids.length === 0) return none();
  const resources = (await probeEach(trx, ids, (id) => selectResources(trx).where('id', '=', id))) as ResourceRow[];
  const counts = await evaluateBatch(trx, resources, await resourceCosts(trx, ids, now), now);
  const found = new Set(resources.map((resource) => resource.id));
  counts.resolved += await resolveSubjects(trx, ids.filter((id) => !found.has(id)), 'resource_removed');
  return counts;
}

/** Resolves the live recommendations of subjects that are gone. */
export async function resolveSubjects(trx: Trx, subjectIds: readonly string[], reason: string): Promise<number> {
  if (subjectIds.length === 0) return 0;
  return retire(trx, (await liveOf(trx, subjectIds)).map((row) => row.id), 'resolved', reason);
}

/**
 * Evaluates a whole account: its resources a batch per transaction, then the account-wide rules
 * over the spend gathered on the way, then resolves what is left of resources no longer in the
 * inventory (a resource.removed that was missed).
 */
export async function evaluateAccount(db: Kysely<Database>, organizationId: string, cloudAccountId: string, now: Date): Promise<EvaluationCounts> {
  const counts = none();
  const account = await withTenant(db, organizationId, (trx) =>
    trx.selectFrom('cloud_accounts').select(['id', 'provider']).where('id', '=', cloudAccountId).executeTakeFirst(),
  );
  if (!account) return counts;
  const spend: AccountSpend = { cloud_account_id: account.id, provider: account.provider, currency: '', monthly: 0, untagged_monthly: 0, untagged_resources: 0, top: [] };
  const untagged: { resource_id: string; name: string | null; monthly: number; currency: string }[] = [];
  const currencies = new Map<string, number>();
  let after: string | undefined;
  for (;;) {
    const batch = await withTenant(db, organizationId, async (trx) => {
      const resources = (await selectResources(trx)
        .where('cloud_account_id', '=', cloudAccountId)
        .$if(after !== undefined, (q) => q.where('id', '>', after!))
        .orderBy('id')
        .limit(BATCH)
        .execute()) as ResourceRow[];
      const costs = await resourceCosts(trx, resources.map((resource) => resource.id), now);
      add(counts, await evaluateBatch(trx, resources, costs, now));
      return { resources, costs };
    });
    for (const resource of batch.resources) {
      const cost = batch.costs.get(resource.id);
      if (!cost) continue;
      currencies.set(cost.currency, (currencies.get(cost.currency) ?? 0) + cost.billed_monthly);
      if (Object.keys(resource.tags).length === 0) untagged.push({ resource_id: resource.id, name: resource.name, monthly: cost.billed_monthly, currency: cost.currency });
    }
    if (batch.resources.length < BATCH) break;
    after = batch.resources.at(-1)!.id;
  }
  // The account's spend in its main currency; resources billed in another are left out of the share.
  spend.currency = [...currencies].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'USD';
  spend.monthly = currencies.get(spend.currency) ?? 0;
  const inCurrency = untagged.filter((resource) => resource.currency === spend.currency);
  spend.untagged_monthly = inCurrency.reduce((sum, resource) => sum + resource.monthly, 0);
  spend.untagged_resources = inCurrency.length;
  spend.top = inCurrency
    .sort((a, b) => b.monthly - a.monthly)
    .slice(0, TOP_UNTAGGED)
    .map(({ resource_id, name, monthly }) => ({ resource_id, name, monthly }));

  await withTenant(db, organizationId, async (trx) => {
    const subject = { organization_id: organizationId, subject_id: account.id, resource_id: null, cloud_account_id: account.id, provider: account.provider };
    const proposals = ACCOUNT_RULES.flatMap((rule) => {
      const finding = rule.evaluate(spend);
      return finding ? [proposalOf(subject, rule.type, finding)] : [];
    });
    add(counts, await reconcile(trx, [account.id], ACCOUNT_TYPES, proposals, now, 'no_longer_matches'));
    const { rows } = await sql<{ subject_id: string }>`
      select distinct r.subject_id from recommendations r
       where r.cloud_account_id = ${cloudAccountId} and r.subject_id <> ${cloudAccountId}
         and r.status in ('open', 'snoozed', 'dismissed')
         and not exists (select 1 from resources x where x.id = r.subject_id)
    `.execute(trx);
    counts.resolved += await resolveSubjects(trx, rows.map((row) => row.subject_id), 'resource_removed');
  });
  return counts;
}

/**
 * The daily pass over an organisation: every linked account evaluated, snoozes whose date passed
 * reopened, and open recommendations no evaluation confirmed within EXPIRES_AFTER_MS expired.
 */
export async function evaluateOrganization(db: Kysely<Database>, organizationId: string, now: Date): Promise<EvaluationCounts & { woken: number; expired: number }> {
  const counts = none();
  const accounts = await withTenant(db, organizationId, (trx) =>
    trx.selectFrom('cloud_accounts').select('id').where('status', 'not in', ['unlinked', 'disabled']).orderBy('id').execute(),
  );
  for (const account of accounts) add(counts, await evaluateAccount(db, organizationId, account.id, now));
  const { woken, expired } = await withTenant(db, organizationId, async (trx) => {
    const due = await trx.selectFrom('recommendations').selectAll().where('status', '=', 'snoozed').where('snoozed_until', '<=', now).execute();
    for (const row of due) await writeTransition(trx, row, 'wake', nextStatus('wake', row.status), { metadata: { snoozed_until: row.snoozed_until?.toISOString() ?? null } });
    const stale = await trx.selectFrom('recommendations').select('id').where('status', '=', 'open').where('expires_at', '<=', now).execute();
    return { woken: due.length, expired: await retire(trx, stale.map((row) => row.id), 'expired', 'not_confirmed') };
  });
  return { ...counts, woken, expired };
}
