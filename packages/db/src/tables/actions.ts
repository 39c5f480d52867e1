import type {
  ColumnsOf,
  Generated,
  GeneratedJsonb,
  GeneratedTimestamp,
  Jsonb,
  NullableJsonb,
  NullableTimestamp,
} from './column-types.ts';
import type { ActionStatus, ActionType, ApprovalStatus, OperationStatus, WorkflowStatus, WorkflowTriggerType } from './enums.ts';

/** A requested change to a resource, possibly awaiting approval, carried out as operations. */
export interface ActionsTable {
  id: Generated<string>;
  organization_id: string;
  recommendation_id: string | null;
  action_type: ActionType;
  resource_id: string | null;
  status: Generated<ActionStatus>;
  parameters: GeneratedJsonb;
  /** Globally unique when set: a repeated `action.requested` maps onto the same row. */
  idempotency_key: string | null;
  scheduled_for: NullableTimestamp;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** Status transitions of an action. */
export interface ActionHistoryTable {
  id: Generated<string>;
  organization_id: string;
  action_id: string;
  status: ActionStatus;
  executed_at: GeneratedTimestamp;
  executed_by: string | null;
  result: NullableJsonb;
  details: string | null;
}

export interface ApprovalsTable {
  id: Generated<string>;
  organization_id: string;
  action_id: string;
  approver_id: string;
  status: Generated<ApprovalStatus>;
  comments: string | null;
  requested_at: GeneratedTimestamp;
  responded_at: NullableTimestamp;
}

export interface WorkflowsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  description: string | null;
  trigger_type: WorkflowTriggerType;
  definition: Jsonb;
  status: Generated<WorkflowStatus>;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface WorkflowExecutionsTable {
  id: Generated<string>;
  organization_id: string;
  workflow_id: string;
  status: Generated<OperationStatus>;
  started_at: GeneratedTimestamp;
  completed_at: NullableTimestamp;
  triggered_by: string | null;
  results: NullableJsonb;
  /** Runs of this execution: a resume starts the next one (its job id is `<id>-<attempt>`). */
  attempt: Generated<number>;
  /** The triggering event's id or the scheduler's tick: one execution per workflow and key. */
  trigger_key: string | null;
}

/**
 * A resource operation (start, stop, scale, snapshot, delete, tag): the PostgreSQL row is the
 * source of truth from which a lost BullMQ job is re-enqueued.
 */
export interface OperationsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string | null;
  resource_id: string | null;
  action_id: string | null;
  operation: ActionType;
  params: GeneratedJsonb;
  status: Generated<OperationStatus>;
  attempts: Generated<number>;
  result: NullableJsonb;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface ActionTables {
  actions: ActionsTable;
  action_history: ActionHistoryTable;
  approvals: ApprovalsTable;
  workflows: WorkflowsTable;
  workflow_executions: WorkflowExecutionsTable;
  operations: OperationsTable;
}

export const actionColumns: ColumnsOf<ActionTables> = {
  actions: {
    id: 'not null',
    organization_id: 'not null',
    recommendation_id: 'null',
    action_type: 'not null',
    resource_id: 'null',
    status: 'not null',
    parameters: 'not null',
    idempotency_key: 'null',
    scheduled_for: 'null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  action_history: {
    id: 'not null',
    organization_id: 'not null',
    action_id: 'not null',
    status: 'not null',
    executed_at: 'not null',
    executed_by: 'null',
    result: 'null',
    details: 'null',
  },
  approvals: {
    id: 'not null',
    organization_id: 'not null',
    action_id: 'not null',
    approver_id: 'not null',
    status: 'not null',
    comments: 'null',
    requested_at: 'not null',
    responded_at: 'null',
  },
  workflows: {
    id: 'not null',
    organization_id: 'not null',
    name: 'not null',
    description: 'null',
    trigger_type: 'not null',
    definition: 'not null',
    status: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  workflow_executions: {
    id: 'not null',
    organization_id: 'not null',
    workflow_id: 'not null',
    status: 'not null',
    started_at: 'not null',
    completed_at: 'null',
    triggered_by: 'null',
    results: 'null',
    attempt: 'not null',
    trigger_key: 'null',
  },
  operations: {
    id: 'not null',
    organization_id: 'not null',
    user_id: 'null',
    resource_id: 'null',
    action_id: 'null',
    operation: 'not null',
    params: 'not null',
    status: 'not null',
    attempts: 'not null',
    result: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};
