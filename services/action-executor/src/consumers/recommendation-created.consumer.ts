import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { triggerWorkflows } from '../modules/workflows/workflows.service.ts';

/** Starts the active workflows triggered by a new recommendation (their filter on the event data), once per event. */
export function recommendationCreated(queues: Pick<Queues, 'enqueue' | 'enqueueMany'>): EventHandler<'recommendation.created'> {
  return async (event, trx) => {
    await triggerWorkflows(trx, queues, event);
  };
}
