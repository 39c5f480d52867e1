import type { Transaction } from 'kysely';
import { jsonRows, type ActionType, type Database } from '@stratus/db';
import { actionEvents, publishActionEvents } from './action-events.ts';
import { openApprovals } from '../approvals/approvals.service.ts';
import { assess, assessMany, type ActionRequestContext, type PolicyDecision } from '../policy/policy.service.ts';
import { endEvents, insertOperationsOf, operationsOf, recordHistory, type PlannedOperation } from './actions.service.ts';

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
 */
export async function recordActionRequest(trx: Trx, request: ActionRequest): Promise<RequestOutcome> {
  return (await recordActionRequests(trx, [request]))[0]!;
}

/**
 * recordActionRequest for requests of one organisation, at the cost of one: the policy decides
 * all of them before anything is written (its evaluation reads only), so each action is inserted
 * with the status it ends the request in; then one statement each writes the actions, their
 * operations, their history (pending, then that status) and their events. A request whose action
 * is already recorded (a redelivery, or a repeat within the requests) is not recorded again.
 */
export async function recordActionRequests(trx: Trx, requests: readonly ActionRequest[]): Promise<RequestOutcome[]> {
  const assessments = await assessMany(trx, requests.map((request) => contextOf(request, false)));
  const planned = requests.map((request, index) => {
    const { decision, resources } = assessments[index]!;
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
    return { request, decision, known, ruling, action };
  });
  const rows = planned.map(({ request, ruling, action }) => ({
    id: action.id,
    organization_id: action.organization_id,
    recommendation_id: request.recommendation_id,
    action_type: action.action_type,
    // A resource of no inventory cannot be referenced; the request is kept, and refused.
    resource_id: action.resource_id,
    parameters: action.parameters,
    status: ruling.status,
    created_by: request.requested_by,
  }));
  const inserted = await trx
    .insertInto('actions')
    .columns(['id', 'organization_id', 'recommendation_id', 'action_type', 'resource_id', 'parameters', 'status', 'created_by'])
    .expression((eb) =>
      eb
        .selectFrom(jsonRows('actions', rows).as('a'))
        .select(['a.id', 'a.organization_id', 'a.recommendation_id', 'a.action_type', 'a.resource_id', 'a.parameters', 'a.status', 'a.created_by']),
    )
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id')
    .execute();
  // The first request of an id is the one its row was inserted for.
  const fresh = new Set(inserted.map((row) => row.id));
  const recorded = planned.filter(({ action }) => fresh.delete(action.id));
  if (recorded.length === 0) return requests.map(() => ({ recorded: false }));

  const released = recorded.filter(({ decision, known }) => decision.outcome === 'allow' && known);
  const operationIds = new Map(
    (await insertOperationsOf(trx, released.map(({ request, action }) => ({ action, actor: request.requested_by })))).map((ids, index) => [released[index]!.action.id, ids]),
  );
  await recordHistory(
    trx,
    ...recorded.flatMap(({ request, ruling, action }) => {
      const actor = request.requested_by;
      const requested = { organization_id: action.organization_id, action_id: action.id, status: 'pending' as const, actor, details: 'requested' };
      const ruled = { organization_id: action.organization_id, action_id: action.id, status: ruling.status, actor: null, ...ruling.change };
      return [requested, ruling.status === 'queued' ? { ...ruled, actor, result: { operation_ids: operationIds.get(action.id) ?? [] } } : ruled];
    }),
  );
  await publishActionEvents(
    trx,
    recorded.flatMap(({ request, known, ruling, action }) =>
      known
        ? endEvents(action, ruling.status, ruling.change.details)
        : [actionEvents.failed({ ...action, resource_id: request.resource_id }, { message: unknownResource(request), retryable: false })],
    ),
  );
  for (const { decision, known, action } of recorded) {
    if (known && decision.outcome === 'require_approval') await openApprovals(trx, action, decision);
  }
  const outcomes = new Map(
    recorded.map(({ request, decision, known, action }): [ActionRequest, RequestOutcome] => [
      request,
      known
        ? { recorded: true, decision, operation_ids: operationIds.get(action.id) ?? [] }
        : { recorded: true, decision: { outcome: 'unknown_resource', reasons: [unknownResource(request)] }, operation_ids: [] },
    ]),
  );
  return requests.map((request) => outcomes.get(request) ?? { recorded: false });
}

/** The status a request ends in, and what its history row says of it. */
interface Ruling {
  status: 'rejected' | 'awaiting_approval' | 'queued';
  change: { details?: string; result?: Record<string, unknown> };
}

function rulingOf(decision: PolicyDecision): Ruling {
  switch (decision.outcome) {
    case 'forbid':
      return { status: 'rejected', change: { details: `forbidden by policy: ${decision.reasons.join('; ')}`, result: { reasons: decision.reasons, ...terraformOf(decision) } } };
    case 'require_approval':
      return {
        status: 'awaiting_approval',
        change: {
          details: decision.reasons.join('; ') || 'approval required',
          result: { reasons: decision.reasons, quorum: decision.quorum, expires_at: decision.expires_at.toISOString(), ...terraformOf(decision) },
        },
      };
    case 'allow':
      return { status: 'queued', change: {} };
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
