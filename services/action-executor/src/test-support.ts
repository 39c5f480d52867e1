import { createApiToken } from '@stratus/auth';
import { withTenant, type ActionType, type JsonObject, type StratusRole } from '@stratus/db';
import type { TestApp } from '@stratus/runtime/testing';
import { releaseAction, transitionAction } from './modules/actions/actions.service.ts';
import { openApprovals } from './modules/approvals/approvals.service.ts';
import { decide, type PolicyDecision } from './modules/policy/policy.service.ts';

type App = Pick<TestApp<never>, 'database' | 'organizationId'>;
type AppWithDb = App & { deps: Pick<TestApp<never>['deps'], 'db'> };

/** Another user of the test organisation, with a token of the role. */
export async function addUser(t: App, email: string, role: StratusRole): Promise<{ id: string; token: string }> {
  const user = await t.database.owner
    .insertInto('users')
    .values({ organization_id: t.organizationId, email, name: email })
    .returning('id')
    .executeTakeFirstOrThrow();
  const token = await createApiToken(t.database.owner, { organizationId: t.organizationId, userId: user.id, role, name: email });
  return { id: user.id, token: token.token };
}

export async function addAccount(t: App, name = 'prod'): Promise<string> {
  const account = await t.database.owner
    .insertInto('cloud_accounts')
    .values({ organization_id: t.organizationId, name, provider: 'AWS', account_id: String(Math.floor(Math.random() * 1e12)).padStart(12, '0') })
    .returning('id')
    .executeTakeFirstOrThrow();
  return account.id;
}

export async function addResource(t: App, cloudAccountId: string, tags: Record<string, string> = {}, costMonthly = '100'): Promise<string> {
  const row = await t.database.owner
    .insertInto('resources')
    .values({
      organization_id: t.organizationId,
      cloud_account_id: cloudAccountId,
      provider: 'AWS',
      provider_resource_id: `i-${Math.random().toString(16).slice(2)}`,
      type: 'vm',
      tags: JSON.stringify(tags),
      cost_monthly: costMonthly,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * What exec's action-requested consumer does with a request, on the contract's functions: the
 * action row, decide(), then awaiting_approval + openApprovals, or release.
 */
export async function requestAction(
  t: AppWithDb,
  input: { resource_id: string; action_type: ActionType; parameters?: JsonObject; requested_by: string | null; requires_approval?: boolean },
): Promise<{ action_id: string; outcome: PolicyDecision['outcome'] }> {
  const parameters = input.parameters ?? {};
  return withTenant(t.deps.db, t.organizationId, async (trx) => {
    const action = await trx
      .insertInto('actions')
      .values({ organization_id: t.organizationId, action_type: input.action_type, resource_id: input.resource_id, parameters: JSON.stringify(parameters), created_by: input.requested_by })
      .returning('id')
      .executeTakeFirstOrThrow();
    const decision = await decide(trx, {
      organization_id: t.organizationId,
      action_id: action.id,
      action_type: input.action_type,
      parameters,
      resource_ids: [input.resource_id],
      requested_by: input.requested_by,
      recommendation_id: null,
      requires_approval: input.requires_approval ?? false,
      dry_run: false,
    });
    if (decision.outcome === 'require_approval') {
      await transitionAction(trx, action.id, 'awaiting_approval', { actor: input.requested_by, details: decision.reasons.join('; ') });
      await openApprovals(trx, { id: action.id, organization_id: t.organizationId }, decision);
    } else if (decision.outcome === 'allow') {
      await releaseAction(trx, action.id, input.requested_by);
    }
    return { action_id: action.id, outcome: decision.outcome };
  });
}
