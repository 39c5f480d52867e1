// Placeholder of helper `approve`'s policy (contract-14): the merge replaces this file.
import type { Transaction } from 'kysely';
import type { ActionType, Database } from '@stratus/db';

type Trx = Transaction<Database>;

export interface ActionRequestContext {
  organization_id: string;
  action_id: string;
  action_type: ActionType;
  parameters: Record<string, unknown>;
  resource_ids: string[];
  requested_by: string | null;
  recommendation_id: string | null;
  /** The requester's own ask (action.requested's requires_approval). */
  requires_approval: boolean;
  dry_run: boolean;
}

export type PolicyDecision =
  | { outcome: 'allow'; reasons: string[] }
  | { outcome: 'forbid'; reasons: string[] }
  | { outcome: 'require_approval'; reasons: string[]; quorum: number; expires_at: Date };

/** Reads the organisation's policy and the resources (tags, account, cost) itself. */
export async function decide(_trx: Trx, request: ActionRequestContext): Promise<PolicyDecision> {
  if (request.action_type === 'delete' || request.requires_approval) {
    return { outcome: 'require_approval', reasons: ['placeholder policy'], quorum: 1, expires_at: new Date(Date.now() + 72 * 3_600_000) };
  }
  return { outcome: 'allow', reasons: [] };
}
