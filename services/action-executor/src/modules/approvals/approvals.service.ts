// Placeholder of helper `approve`'s approvals (contract-14): the merge replaces this file.
import type { Transaction } from 'kysely';
import type { Database } from '@stratus/db';
import type { PolicyDecision } from '../policy/policy.service.ts';

/** Opens the approval request of an action exec has just set to awaiting_approval (same trx). */
export async function openApprovals(
  _trx: Transaction<Database>,
  _action: { id: string; organization_id: string },
  _decision: Extract<PolicyDecision, { outcome: 'require_approval' }>,
): Promise<void> {}
