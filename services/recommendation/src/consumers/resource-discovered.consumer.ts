import { commuting, type EventHandler } from '@stratus/events';
import { evaluateResources } from '../modules/recommendations/evaluation.service.ts';

/**
 * Evaluates the resource as the inventory holds it now (not as the event carried it, which a
 * redelivery may replay late). Resources of one account commute: each evaluation touches only its
 * own resource's recommendations, so a sync's events are applied several at a time.
 */
export const resourceDiscovered: EventHandler<'resource.discovered'> = commuting(
  (event) => event.data.resource.cloud_account_id,
  async (event, trx) => {
    await evaluateResources(trx, [event.data.resource.id], new Date());
  },
);
