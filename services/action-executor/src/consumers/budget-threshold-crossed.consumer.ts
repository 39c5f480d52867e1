import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { triggerWorkflows } from '../modules/workflows/workflows.service.ts';

/** Starts the active workflows triggered by a budget crossing (their filter on the event data), once per event. */
export function budgetThresholdCrossed(queues: Pick<Queues, 'enqueue' | 'enqueueMany'>): EventHandler<'budget.threshold_crossed'> {
  return async (event, trx) => {
    await triggerWorkflows(trx, queues, event);
  };
}
