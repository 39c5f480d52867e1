import { sql } from 'kysely';
import type { ApprovalStatus, KeysetCursor } from '@stratus/db';
import { AppError } from '@stratus/http';
import type { Trx } from '../policy/policy.service.ts';
import { digestOf } from './approvals.service.ts';

/**
 * Approvers' asks with their action, newest first. `pending` means still answerable: the approver
 * has not answered and the action still awaits approval (not approved by the others, not expired).
 */
export async function listApprovals(trx: Trx, filters: { status?: ApprovalStatus | undefined; approver_id?: string | undefined }, after: KeysetCursor | undefined, limit: number) {
  return trx
    .selectFrom('approvals')
    .innerJoin('actions', 'actions.id', 'approvals.action_id')
    .innerJoin('approval_requests', 'approval_requests.action_id', 'approvals.action_id')
    .select([
      'approvals.id',
      'approvals.action_id',
      'approvals.approver_id',
      'approvals.status',
      'approvals.comments',
      'approvals.requested_at',
      'approvals.responded_at',
      'actions.action_type',
      'actions.resource_id',
      'actions.status as action_status',
      'approval_requests.quorum',
      'approval_requests.expires_at',
      sql<string>`approvals.requested_at::text`.as('keyset_at'),
    ])
    .$if(filters.status !== undefined, (q) => q.where('approvals.status', '=', filters.status!))
    .$if(filters.status === 'pending', (q) => q.where('actions.status', '=', 'awaiting_approval'))
    .$if(filters.approver_id !== undefined, (q) => q.where('approvals.approver_id', '=', filters.approver_id!))
    .$if(after !== undefined, (q) => q.where(sql<boolean>`(approvals.requested_at, approvals.id) < (${after!.at}::timestamptz, ${after!.id}::uuid)`))
    .orderBy('approvals.requested_at', 'desc')
    .orderBy('approvals.id', 'desc')
    .limit(limit + 1)
    .execute();
}

/** An action's approval request: what was reviewed (and its digest), the settings and every answer. */
export async function approvalRequestOf(trx: Trx, actionId: string) {
  const row = await trx
    .selectFrom('approval_requests')
    .innerJoin('actions', 'actions.id', 'approval_requests.action_id')
    .select([
      'approval_requests.action_id',
      'approval_requests.digest',
      'approval_requests.quorum',
      'approval_requests.approver_role',
      'approval_requests.reasons',
      'approval_requests.expires_at',
      'approval_requests.created_at',
      'actions.action_type',
      'actions.resource_id',
      'actions.parameters',
      'actions.status as action_status',
      'actions.created_by',
    ])
    .where('approval_requests.action_id', '=', actionId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `action ${actionId} has no approval request`);
  const answers = await trx
    .selectFrom('approvals')
    .select(['id', 'approver_id', 'status', 'comments', 'requested_at', 'responded_at'])
    .where('action_id', '=', actionId)
    .orderBy('approver_id')
    .execute();
  // A digest differing from the request's tells the reviewer the action changed since it was asked.
  return { ...row, reasons: row.reasons as string[], current_digest: digestOf(row), answers };
}
