import { z } from 'zod';
import { defineEvent } from './event-definition.ts';
import { actionType, id, timestamp } from './fields.ts';

/** Keyed by the rule, so one rule's runs reach subscribers in the order they ran. */
export const automationRuleRunFinished = defineEvent({
  type: 'automation_rule.run_finished',
  description:
    'An automation rule ran (on its cron tick or by hand): it matched resources and requested its action on each ' +
    '(status success), or requested nothing (status error: reason blast_radius when it matched more than the rule allows, ' +
    'or an error). Published in the transaction that recorded the run.',
  subject: 'rule_id',
  schema: z.object({
    rule_id: id,
    run_id: id,
    status: z.enum(['success', 'error']),
    action_type: actionType,
    /** Resources the rule's match selected when it ran. */
    matched: z.int().nonnegative(),
    /** Actions requested (action.requested, one per matched resource): each then goes through the policy and approvals. */
    actions_requested: z.int().nonnegative(),
    /** Why nothing was requested: blast_radius, or the error. */
    reason: z.string().optional(),
    /** The cron tick the run was for; absent for a run requested by hand. */
    scheduled_for: timestamp.optional(),
    started_at: timestamp,
    finished_at: timestamp,
  }),
  subjectOf: (data) => data.rule_id,
});
