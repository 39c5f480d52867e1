import { inRuns, type EventEnvelope, type EventHandler } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { enqueueOperations } from '../modules/actions/actions.service.ts';
import { recordActionRequests, type ActionRequest } from '../modules/actions/requests.service.ts';

function requestOf(event: EventEnvelope<'action.requested'>): ActionRequest {
  const { data } = event;
  return {
    organization_id: event.tenant,
    action_id: data.action_id,
    action_type: data.action_type,
    resource_id: data.resource_id,
    parameters: data.parameters,
    requested_by: data.requested_by ?? null,
    recommendation_id: data.recommendation_id ?? null,
    requires_approval: data.requires_approval,
  };
}

/**
 * Records the requested actions and sends each where the policy says, a run of requests at a
 * time (one organisation's requests commute: each is about its own action, and the policy reads
 * only). Their operations are enqueued as the transaction's last step: a job that runs before the
 * commit finds no row yet and comes back shortly (see the operation.execute job), and one lost
 * after the commit is re-enqueued by the reconciler from its queued row. A redelivered request
 * changes nothing and enqueues nothing.
 */
export function actionRequested(queues: Pick<Queues, 'enqueueMany'>): EventHandler<'action.requested'> {
  return inRuns(
    () => 'requests',
    async (events, trx) => {
      const outcomes = await recordActionRequests(trx, events.map(requestOf));
      await enqueueOperations(queues, events[0]!.tenant, outcomes.flatMap((outcome) => (outcome.recorded ? outcome.operation_ids : [])));
    },
  );
}
