import type { Transaction } from 'kysely';
import type { ActionType, Database } from '@stratus/db';
import { actionEvents } from './action-events.ts';
import { openApprovals } from '../approvals/approvals.service.ts';
import { assess, type ActionRequestContext, type PolicyDecision } from '../policy/policy.service.ts';
import { announceEnd, insertOperations, operationsOf, recordHistory, type PlannedOperation } from './actions.service.ts';

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

const unknownResource = (request: ActionRequest) => `resource ${request.resource_id} is not in the organisation's inventory`;

/**
 * Records a requested action (id = the request's action_id, so a redelivered request maps onto
 * the same row and changes nothing) and acts on the policy's decision. Returns the operations the
 * caller enqueues (enqueueOperations) once this transaction commits.
 *
 * The policy decides before anything is written (its evaluation reads only), so the action is
 * inserted with the status it ends the request in, and its history (pending, then that status) in
 * one statement: a released request costs one read and three writes.
 */
export async function recordActionRequest(trx: Trx, request: ActionRequest): Promise<RequestOutcome> {
  const { decision, resources } = await assess(trx, contextOf(request, false));
  // Row-level security limits the read to the organisation of the transaction.
  const known = resources.length > 0;
  const ruling: Ruling = known
    ? rulingOf(decision)
    : { status: 'rejected', change: { details: unknownResource(request), result: { resource_id: request.resource_id } } };
  const action = {
    id: request.action_id,
    organization_id: request.organization_id,
    action_type: request.action_type,
    resource_id: known ? request.resource_id : null,
    parameters: request.parameters,
  };
  const inserted = await trx
    .insertInto('actions')
    .values({
      id: action.id,
      organization_id: action.organization_id,
      recommendation_id: request.recommendation_id,
      action_type: action.action_type,
      // A resource of no inventory cannot be referenced; the request is kept, and refused.
      resource_id: action.resource_id,
      parameters: JSON.stringify(action.parameters),
      status: ruling.status,
      created_by: request.requested_by,
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return { recorded: false };

  const actor = request.requested_by;
  const operationIds = decision.outcome === 'allow' && known ? await insertOperations(trx, action, actor) : [];
  const requested = { organization_id: action.organization_id, action_id: action.id, status: 'pending' as const, actor, details: 'requested' };
  const ruled = { organization_id: action.organization_id, action_id: action.id, status: ruling.status, actor: null, ...ruling.change };
  await recordHistory(trx, requested, ruling.status === 'queued' ? { ...ruled, actor, result: { operation_ids: operationIds } } : ruled);

  if (!known) {
    const reasons = [unknownResource(request)];
    await actionEvents.failed(trx, { ...action, resource_id: request.resource_id }, { message: reasons[0]!, retryable: false });
    return { recorded: true, decision: { outcome: 'unknown_resource', reasons }, operation_ids: [] };
  }
  await announceEnd(trx, action, ruling.status, ruling.change.details);
  if (decision.outcome === 'require_approval') await openApprovals(trx, action, decision);
  return { recorded: true, decision, operation_ids: operationIds };
}

/** The status a request ends in, and what its history row says of it. */
interface Ruling {
  status: 'rejected' | 'awaiting_approval' | 'queued';
  change: { details?: string; result?: Record<string, unknown> };
}

function rulingOf(decision: PolicyDecision): Ruling {
  switch (decision.outcome) {
    case 'forbid':
      return { status: 'rejected', change: { details: `forbidden by policy: ${decision.reasons.join('; ')}`, result: { reasons: decision.reasons } } };
    case 'require_approval':
      return {
        status: 'awaiting_approval',
        change: {
          details: decision.reasons.join('; ') || 'approval required',
          result: { reasons: decision.reasons, quorum: decision.quorum, expires_at: decision.expires_at.toISOString() },
        },
      };
    case 'allow':
      return { status: 'queued', change: {} };
  }
}

export interface DryRun {
  decision: PolicyDecision | { outcome: 'unknown_resource'; reasons: string[] };
  operations: (PlannedOperation & { provider_resource_id: string | null })[];
}

/** What a request would do, with nothing recorded, executed or queued. */
export async function dryRunActionRequest(trx: Trx, request: ActionRequest): Promise<DryRun> {
  const { decision, resources: known } = await assess(trx, contextOf(request, true));
  if (known.length === 0) return { decision: { outcome: 'unknown_resource', reasons: [unknownResource(request)] }, operations: [] };
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
