import { z } from 'zod';
import { defineEvent } from './event-definition.ts';
import { actionType, id, jsonObject } from './fields.ts';

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
  description: 'The operation carrying out an action failed for good, or with an error worth retrying later.',
  subject: 'resource_id',
  schema: z.object({
    action_id: id,
    operation_id: id,
    action_type: actionType,
    resource_id: id,
    error: z.object({ message: z.string(), retryable: z.boolean() }),
  }),
  subjectOf: (data) => data.resource_id,
});
