import type { EventHandler } from '@stratus/events';
import { recordActionOutcome } from '../modules/recommendations/transitions.service.ts';

/** The action a recommendation requested failed: the recommendation failed, and can be reopened to try again. */
export const actionFailed: EventHandler<'action.failed'> = async (event, trx) => {
  const { action_id, operation_id, error } = event.data;
  await recordActionOutcome(trx, action_id, { succeeded: false, result: { ...(operation_id === undefined ? {} : { operation_id }), error } });
};
