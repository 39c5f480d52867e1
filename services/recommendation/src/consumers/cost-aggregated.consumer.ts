import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';

/** cost.aggregated events of one account within this window share one evaluation. */
export const COST_EVALUATION_COALESCE_MS = 60_000;

/**
 * An applied import changes the account's effective costs, so its savings: the account is
 * re-evaluated. An import emits one event per day it changed (30 for a month), so the evaluation is
 * a job under an id of the account and the minute, delayed to that minute's end: the events of one
 * import make one job. Re-enqueueing when the event is redelivered is a no-op while that job exists.
 */
export function costAggregated(queues: Pick<Queues, 'enqueue'>, now: () => number = Date.now): EventHandler<'cost.aggregated'> {
  return async (event) => {
    const at = now();
    const window = Math.floor(at / COST_EVALUATION_COALESCE_MS);
    await queues.enqueue(
      'recommendations.evaluate',
      { organization_id: event.tenant, cloud_account_id: event.data.cloud_account_id, trigger: 'costs' },
      { jobId: `costs-${event.data.cloud_account_id}-${window}`, delay: (window + 1) * COST_EVALUATION_COALESCE_MS - at },
    );
  };
}
