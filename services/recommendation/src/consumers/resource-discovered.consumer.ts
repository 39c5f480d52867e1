import { inRuns, type EventHandler } from '@stratus/events';
import { evaluateResources } from '../modules/recommendations/evaluation.service.ts';

/**
 * Evaluates the resources as the inventory holds them now (not as the events carried them, which a
 * redelivery may replay late). Resources of one account commute: each evaluation touches only its
 * own resource's recommendations, so a sync's events are evaluated a run at a time, in one
 * transaction and one set of queries per run.
 */
export const resourceDiscovered: EventHandler<'resource.discovered'> = inRuns(
  (event) => event.data.resource.cloud_account_id,
  async (events, trx) => {
    await evaluateResources(trx, [...new Set(events.map((event) => event.data.resource.id))], new Date());
  },
);
