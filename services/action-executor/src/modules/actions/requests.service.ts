import type { Transaction } from 'kysely';
import type { ActionType, Database } from '@stratus/db';
import { actionEvents } from './action-events.ts';
import { openApprovals } from '../approvals/approvals.service.ts';
import { decide, type ActionRequestContext, type PolicyDecision } from '../policy/policy.service.ts';
import { operationsOf, recordHistory, releaseAction, transitionAction, type PlannedOperation } from './actions.service.ts';

type Trx = Transaction<Database>;

export interface ActionRequest {
  organization_id: string;
  action_id: string;
  action_type: ActionType;
  resource_id: string;
  parameters: Record<string, unknown>;
  requested_by: string | null;
  recommendation_id: string | null;
  requires_approval: boolean;
}

export type RequestOutcome =
  | { recorded: false }
  | { recorded: true; decision: PolicyDecision | { outcome: 'unknown_resource'; reasons: string[] }; operation_ids: string[] };

function contextOf(request: ActionRequest, dryRun: boolean): ActionRequestContext {
  return {
    organization_id: request.organization_id,
    action_id: request.action_id,
    action_type: request.action_type,
    parameters: request.parameters,
    resource_ids: [request.resource_id],
    requested_by: request.requested_by,
    recommendation_id: request.recommendation_id,
    requires_approval: request.requires_approval,
    dry_run: dryRun,
  };
}

async function resourceVisible(trx: Trx, resourceId: string): Promise<boolean> {
  // Row-level security limits the read to the organisation of the transaction.
  const row = await trx.selectFrom('resources').select('id').where('id', '=', resourceId).executeTakeFirst();
  return row !== undefined;
}

/**
 * Records a requested action (id = the request's action_id, so a redelivered request maps onto
 * the same row and changes nothing) and acts on the policy's decision. Returns the operations the
 * caller enqueues (enqueueOperations) once this transaction commits.
 */
export async function recordActionRequest(trx: Trx, request: ActionRequest): Promise<RequestOutcome> {
  const known = await resourceVisible(trx, request.resource_id);
  const inserted = await trx
    .insertInto('actions')
    .values({
      id: request.action_id,
      organization_id: request.organization_id,
      recommendation_id: request.recommendation_id,
      action_type: request.action_type,
      // A resource of no inventory cannot be referenced; the request is kept, and refused below.
      resource_id: known ? request.resource_id : null,
      parameters: JSON.stringify(request.parameters),
      created_by: request.requested_by,
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return { recorded: false };
  const actor = request.requested_by;
  await recordHistory(trx, { organization_id: request.organization_id, action_id: request.action_id, status: 'pending', actor, details: 'requested' });

  if (!known) {
    const reasons = [`resource ${request.resource_id} is not in the organisation's inventory`];
    await transitionAction(trx, request.action_id, 'rejected', { actor: null, details: reasons[0], result: { resource_id: request.resource_id } });
    const action = { id: request.action_id, organization_id: request.organization_id, action_type: request.action_type, resource_id: request.resource_id };
    await actionEvents.failed(trx, action, { message: reasons[0]!, retryable: false });
    return { recorded: true, decision: { outcome: 'unknown_resource', reasons }, operation_ids: [] };
  }

  const decision = await decide(trx, contextOf(request, false));
  switch (decision.outcome) {
    case 'forbid':
      await transitionAction(trx, request.action_id, 'rejected', {
        actor: null,
        details: `forbidden by policy: ${decision.reasons.join('; ')}`,
        result: { reasons: decision.reasons, ...terraformOf(decision) },
      });
      return { recorded: true, decision, operation_ids: [] };
    case 'require_approval':
      await transitionAction(trx, request.action_id, 'awaiting_approval', {
        actor: null,
        details: decision.reasons.join('; ') || 'approval required',
        result: { reasons: decision.reasons, quorum: decision.quorum, expires_at: decision.expires_at.toISOString(), ...terraformOf(decision) },
      });
      await openApprovals(trx, { id: request.action_id, organization_id: request.organization_id }, decision);
      return { recorded: true, decision, operation_ids: [] };
    case 'allow':
      return { recorded: true, decision, operation_ids: await releaseAction(trx, request.action_id, actor) };
  }
}

/** The Terraform address and attribute to change in code, kept in the action's history with the decision. */
function terraformOf(decision: PolicyDecision): { terraform?: NonNullable<PolicyDecision['terraform']> } {
  return decision.terraform ? { terraform: decision.terraform } : {};
}

export interface DryRun {
  decision: PolicyDecision | { outcome: 'unknown_resource'; reasons: string[] };
  operations: (PlannedOperation & { provider_resource_id: string | null })[];
}

/** What a request would do, with nothing recorded, executed or queued. */
export async function dryRunActionRequest(trx: Trx, request: ActionRequest): Promise<DryRun> {
  if (!(await resourceVisible(trx, request.resource_id))) {
    return { decision: { outcome: 'unknown_resource', reasons: [`resource ${request.resource_id} is not in the organisation's inventory`] }, operations: [] };
  }
  const decision = await decide(trx, contextOf(request, true));
  if (decision.outcome === 'forbid') return { decision, operations: [] };
  const planned = operationsOf({ resource_id: request.resource_id, action_type: request.action_type, parameters: request.parameters });
  const resources = await trx
    .selectFrom('resources')
    .select(['id', 'provider_resource_id'])
    .where('id', 'in', planned.map((operation) => operation.resource_id))
    .execute();
  const providerIds = new Map(resources.map((row) => [row.id, row.provider_resource_id]));
  return { decision, operations: planned.map((operation) => ({ ...operation, provider_resource_id: providerIds.get(operation.resource_id) ?? null })) };
}
