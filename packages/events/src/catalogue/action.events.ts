import { z } from 'zod';
import { defineEvent } from './event-definition.ts';
import { actionType, id, jsonObject, timestamp } from './fields.ts';

// Every action event is keyed by its resource, so a stop and a later start of one resource are
// never reordered between the requester, the executor and their subscribers.

export const actionRequested = defineEvent({
  type: 'action.requested',
  description: 'An action on a resource was requested (by a person, a recommendation or an automation rule).',
  subject: 'resource_id',
  schema: z.object({
    action_id: id,
    action_type: actionType,
    resource_id: id,
    parameters: jsonObject,
    requested_by: id.optional(),
    recommendation_id: id.optional(),
    requires_approval: z.boolean(),
  }),
  subjectOf: (data) => data.resource_id,
});

export const actionCompleted = defineEvent({
  type: 'action.completed',
  description: 'The operation carrying out an action finished successfully.',
  subject: 'resource_id',
  schema: z.object({
    action_id: id,
    operation_id: id,
    action_type: actionType,
    resource_id: id,
    result: jsonObject.optional(),
  }),
  subjectOf: (data) => data.resource_id,
});

export const actionFailed = defineEvent({
  type: 'action.failed',
  description: 'The action failed: its operation failed for good or with an error worth retrying later, or it was forbidden, rejected or expired before any operation ran.',
  subject: 'resource_id',
  schema: z.object({
    action_id: id,
    /** Absent when no operation ran (forbidden by policy, rejected, expired). Nothing published v1 before this field became optional. */
    operation_id: id.optional(),
    action_type: actionType,
    resource_id: id,
    error: z.object({ message: z.string(), retryable: z.boolean() }),
  }),
  subjectOf: (data) => data.resource_id,
});

export const approvalRequested = defineEvent({
  type: 'approval.requested',
  description: 'An action waits for approval: its approvers are asked (the audit service notifies them).',
  subject: 'resource_id',
  schema: z.object({
    action_id: id,
    action_type: actionType,
    resource_id: id,
    approver_ids: z.array(id),
    quorum: z.number().int().positive(),
    expires_at: timestamp,
    reasons: z.array(z.string()),
  }),
  subjectOf: (data) => data.resource_id,
});
