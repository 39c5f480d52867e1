import { commuting, type EventHandler } from '@stratus/events';
import { resolveSubjects } from '../modules/recommendations/evaluation.service.ts';

/** The resource is gone: its live recommendations are resolved (a claimed one waits for its action's outcome). */
export const resourceRemoved: EventHandler<'resource.removed'> = commuting(
  (event) => event.data.cloud_account_id,
  async (event, trx) => {
    await resolveSubjects(trx, [event.data.resource_id], 'resource_removed');
  },
);
