import type { StratusRole } from './api-tokens.ts';
import type { ColumnsOf, GeneratedJsonb, GeneratedTimestamp, Jsonb, JsonValue, Timestamp } from './column-types.ts';

/** An organisation's action policy: one document, validated by the action executor's schema. */
export interface ActionPoliciesTable {
  organization_id: string;
  document: Jsonb;
  updated_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** What was asked when an action began to await approval (one per action). */
export interface ApprovalRequestsTable {
  action_id: string;
  organization_id: string;
  /** sha256 of the reviewed action (type, resources, parameters): an approval covers exactly it. */
  digest: string;
  quorum: number;
  approver_role: StratusRole;
  reasons: GeneratedJsonb<JsonValue[]>;
  expires_at: Timestamp;
  created_at: GeneratedTimestamp;
}

export interface ActionPolicyTables {
  action_policies: ActionPoliciesTable;
  approval_requests: ApprovalRequestsTable;
}

export const actionPolicyColumns: ColumnsOf<ActionPolicyTables> = {
  action_policies: {
    organization_id: 'not null',
    document: 'not null',
    updated_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  approval_requests: {
    action_id: 'not null',
    organization_id: 'not null',
    digest: 'not null',
    quorum: 'not null',
    approver_role: 'not null',
    reasons: 'not null',
    expires_at: 'not null',
    created_at: 'not null',
  },
};
