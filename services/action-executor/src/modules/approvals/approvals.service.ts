import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { stringify } from 'safe-stable-stringify';
import { withTenant, type ActionType, type Database, type JsonObject } from '@stratus/db';
import { outboxOf } from '@stratus/events';
import { AppError } from '@stratus/http';
import { releaseAction, transitionAction } from '../actions/actions.service.ts';
import { DEFAULT_APPROVAL } from '../policy/policy.schema.ts';
import type { PolicyDecision, Trx } from '../policy/policy.service.ts';

/**
 * openApprovals is called inside exec's transaction with no deps at hand (the contract's
 * signature), so the module holds the service's outbox: the one the runtime gives it too.
 */
const outbox = outboxOf('action-executor');

export type ApprovalDecision = Extract<PolicyDecision, { outcome: 'require_approval' }>;

interface ReviewedAction {
  id: string;
  organization_id: string;
  action_type: ActionType;
  resource_id: string | null;
  parameters: JsonObject;
  status: string;
  created_by: string | null;
}

/**
 * What an approval covers: the action's type, resources and parameters, hashed over a canonical
 * JSON (sorted keys), so the same action gives the same digest however its parameters were spelled.
 */
export function digestOf(action: Pick<ReviewedAction, 'action_type' | 'resource_id' | 'parameters'>): string {
  const resource_ids = action.resource_id === null ? [] : [action.resource_id];
  // stringify answers undefined only for a lone undefined or function, never for this object.
  const canonical = stringify({ action_type: action.action_type, resource_ids, parameters: action.parameters })!;
  return createHash('sha256').update(canonical).digest('hex');
}

async function actionOf(trx: Trx, actionId: string, lock: boolean): Promise<ReviewedAction> {
  const action = await trx
    .selectFrom('actions')
    .select(['id', 'organization_id', 'action_type', 'resource_id', 'parameters', 'status', 'created_by'])
    .where('id', '=', actionId)
    .$if(lock, (query) => query.forUpdate())
    .executeTakeFirst();
  if (!action) throw new AppError('not_found', `action ${actionId} does not exist`);
  return action;
}

/** Opens the approval request of an action exec has just set to awaiting_approval (same trx). */
export async function openApprovals(trx: Trx, action: { id: string; organization_id: string }, decision: ApprovalDecision): Promise<void> {
  const reviewed = await actionOf(trx, action.id, false);
  if (reviewed.resource_id === null) throw new Error(`action ${action.id} names no resource: there is nothing to approve`);
  const approverRole = decision.approver_role ?? DEFAULT_APPROVAL.approver_role;
  const opened = await trx
    .insertInto('approval_requests')
    .values({
      action_id: action.id,
      organization_id: action.organization_id,
      digest: digestOf(reviewed),
      quorum: decision.quorum,
      approver_role: approverRole,
      reasons: JSON.stringify(decision.reasons),
      expires_at: decision.expires_at,
    })
    .onConflict((conflict) => conflict.column('action_id').doNothing())
    .returning('action_id')
    .executeTakeFirst();
  // A redelivered request finds its approvals asked already.
  if (!opened) return;

  // Users with a live token of the role; a requester never reviews their own action.
  const approvers = await trx
    .selectFrom('users')
    .select('users.id')
    .where('users.status', '=', 'active')
    .where('users.organization_id', '=', action.organization_id)
    .$if(reviewed.created_by !== null, (query) => query.where('users.id', '!=', reviewed.created_by!))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('api_tokens')
          .whereRef('api_tokens.user_id', '=', 'users.id')
          .where('api_tokens.role', '=', approverRole)
          .where('api_tokens.revoked_at', 'is', null)
          .where((token) => token.or([token('api_tokens.expires_at', 'is', null), token('api_tokens.expires_at', '>', sql<Date>`now()`)])),
      ),
    )
    .orderBy('users.id')
    .execute();
  if (approvers.length > 0) {
    await trx
      .insertInto('approvals')
      .values(approvers.map((approver) => ({ organization_id: action.organization_id, action_id: action.id, approver_id: approver.id })))
      .execute();
  }
  await outbox.publish(trx, 'approval.requested', {
    tenant: action.organization_id,
    data: {
      action_id: action.id,
      action_type: reviewed.action_type,
      resource_id: reviewed.resource_id,
      approver_ids: approvers.map((approver) => approver.id),
      quorum: decision.quorum,
      expires_at: decision.expires_at.toISOString(),
      reasons: decision.reasons,
    },
  });
}

/** Rejected or expired: transitionAction publishes action.failed (not retryable) with the change. */
async function failAction(trx: Trx, action: ReviewedAction, to: 'rejected' | 'expired', actor: string | null, message: string): Promise<void> {
  await transitionAction(trx, action.id, to, { actor, details: message });
}

export interface Answer {
  answer: 'approved' | 'rejected';
  /** The digest of the action the approver reviewed (GET /v1/actions/:id/approval). */
  digest: string;
  comment?: string | undefined;
}

export interface AnswerOutcome {
  action_status: 'awaiting_approval' | 'queued' | 'rejected';
  approved: number;
  quorum: number;
  /** Operations released by the quorum: the caller enqueues them after the commit. */
  operation_ids: string[];
}

/** An approver's answer; the quorum releases the action, one rejection rejects it. */
export async function answerApproval(trx: Trx, actionId: string, approverId: string, input: Answer, now: Date): Promise<AnswerOutcome> {
  const action = await actionOf(trx, actionId, true);
  const request = await trx.selectFrom('approval_requests').selectAll().where('action_id', '=', actionId).executeTakeFirst();
  if (!request) throw new AppError('not_found', `action ${actionId} has no approval request`);
  if (action.status !== 'awaiting_approval') throw new AppError('conflict', `action ${actionId} is ${action.status}: it no longer awaits approval`);
  if (request.expires_at <= now) throw new AppError('conflict', `the approval request of action ${actionId} expired at ${request.expires_at.toISOString()}`);
  if (action.created_by === approverId) throw new AppError('forbidden', 'a requester cannot approve or reject their own action');
  const mine = await trx.selectFrom('approvals').select(['id', 'status']).where('action_id', '=', actionId).where('approver_id', '=', approverId).executeTakeFirst();
  if (!mine) throw new AppError('forbidden', `you were not asked to approve action ${actionId}`);
  if (mine.status !== 'pending') throw new AppError('conflict', `you answered already: ${mine.status}`);
  const current = digestOf(action);
  if (current !== request.digest) {
    throw new AppError('conflict', `action ${actionId} changed after its approval was requested: it needs a new approval`, { details: { digest: current } });
  }
  if (input.digest !== request.digest) {
    throw new AppError('conflict', 'digest: you reviewed another version of this action; review it again (GET /v1/actions/:id/approval)', { details: { digest: request.digest } });
  }

  await trx
    .updateTable('approvals')
    .set({ status: input.answer, comments: input.comment ?? null, responded_at: now })
    .where('id', '=', mine.id)
    .execute();
  const { approved } = await trx
    .selectFrom('approvals')
    .select((eb) => eb.fn.countAll<string>().as('approved'))
    .where('action_id', '=', actionId)
    .where('status', '=', 'approved')
    .executeTakeFirstOrThrow();
  const outcome = { approved: Number(approved), quorum: request.quorum, operation_ids: [] };

  if (input.answer === 'rejected') {
    await failAction(trx, action, 'rejected', approverId, `rejected by an approver${input.comment ? `: ${input.comment}` : ''}`);
    return { ...outcome, action_status: 'rejected' };
  }
  if (outcome.approved < request.quorum) return { ...outcome, action_status: 'awaiting_approval' };
  await transitionAction(trx, actionId, 'approved', { actor: approverId, details: `approved by ${outcome.approved} of ${request.quorum} needed` });
  return { ...outcome, action_status: 'queued', operation_ids: await releaseAction(trx, actionId, approverId) };
}

/** Expires one action whose approval request is past its time; a no-op for one answered meanwhile. */
async function expireOne(trx: Trx, actionId: string, now: Date): Promise<boolean> {
  const action = await actionOf(trx, actionId, true);
  const request = await trx.selectFrom('approval_requests').select('expires_at').where('action_id', '=', actionId).executeTakeFirstOrThrow();
  if (action.status !== 'awaiting_approval' || request.expires_at > now) return false;
  await trx.updateTable('approvals').set({ status: 'expired' }).where('action_id', '=', actionId).where('status', '=', 'pending').execute();
  await failAction(trx, action, 'expired', null, `no quorum of approvals before ${request.expires_at.toISOString()}`);
  return true;
}

/** How many expired requests one pass handles at most; the next pass (minutes later) takes the rest. */
const EXPIRE_BATCH = 500;

/**
 * Expires every organisation's approval requests past their time. Each action is expired in its
 * own transaction under its organisation, after checking again under a lock, so running this twice
 * or beside an approval changes nothing twice.
 */
export async function expireApprovals(db: Kysely<Database>, now: Date): Promise<{ expired: number }> {
  const { rows } = await sql<{ organization_id: string; action_id: string }>`
    select organization_id, action_id from stratus_expired_approval_requests(${now}, ${EXPIRE_BATCH})
  `.execute(db);
  let expired = 0;
  for (const row of rows) {
    if (await withTenant(db, row.organization_id, (trx) => expireOne(trx, row.action_id, now))) expired += 1;
  }
  return { expired };
}
