import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { announce } from './notifications.repository.ts';

/** Monthly savings from which a new recommendation is announced, unless AUDIT_HIGH_SAVINGS_THRESHOLD says otherwise. */
export const HIGH_SAVINGS_THRESHOLD = 100;

/**
 * A new recommendation saving at least `threshold` a month (AUDIT_HIGH_SAVINGS_THRESHOLD) is
 * announced to the organisation, and on the channels of the users who asked for such news.
 */
export function recommendationCreated(queues: Pick<Queues, 'enqueue'>, threshold: number): EventHandler<'recommendation.created'> {
  return async (event, trx) => {
    const { recommendation_id, recommendation_type, estimated_savings, currency, title, resource_id } = event.data;
    if (estimated_savings === undefined || Number(estimated_savings) < threshold) return;
    await announce(trx, queues, event, {
      type: 'recommendation_high_savings',
      title: `Save ${estimated_savings} ${currency ?? ''} a month: ${title}`.replace('  ', ' '),
      message: `A ${recommendation_type} recommendation${resource_id ? ` for resource ${resource_id}` : ''} would save ${estimated_savings} ${currency ?? ''} a month.`.replace('  ', ' '),
      data: { recommendation_id, recommendation_type, estimated_savings, ...(resource_id ? { resource_id } : {}) },
    });
  };
}
