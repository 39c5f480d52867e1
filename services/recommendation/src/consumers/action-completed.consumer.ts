import type { EventHandler } from '@stratus/events';
import { recordActionOutcome } from '../modules/recommendations/transitions.service.ts';

/** The action a recommendation requested succeeded: the recommendation too. */
export const actionCompleted: EventHandler<'action.completed'> = async (event, trx) => {
  const { action_id, operation_id, result } = event.data;
  await recordActionOutcome(trx, action_id, { succeeded: true, result: { operation_id, ...(result === undefined ? {} : { result }) } as never });
};
