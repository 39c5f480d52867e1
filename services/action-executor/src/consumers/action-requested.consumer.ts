import type { EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { enqueueOperations } from '../modules/actions/actions.service.ts';
import { recordActionRequest } from '../modules/actions/requests.service.ts';

/**
 * Records the requested action and sends it where the policy says. Its operations are enqueued as
 * the transaction's last step: a job that runs before the commit finds no row yet and comes back
 * shortly (see the operation.execute job), and one lost after the commit is re-enqueued by the
 * reconciler from its queued row. A redelivered request changes nothing and enqueues nothing.
 */
export function actionRequested(queues: Pick<Queues, 'enqueue'>): EventHandler<'action.requested'> {
  return async (event, trx) => {
    const { data } = event;
    const outcome = await recordActionRequest(trx, {
      organization_id: event.tenant,
      action_id: data.action_id,
      action_type: data.action_type,
      resource_id: data.resource_id,
      parameters: data.parameters,
      requested_by: data.requested_by ?? null,
      recommendation_id: data.recommendation_id ?? null,
      requires_approval: data.requires_approval,
    });
    if (outcome.recorded) await enqueueOperations(queues, event.tenant, outcome.operation_ids);
  };
}
