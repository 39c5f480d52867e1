import { inRuns, type EventHandler } from '@stratus/events';
import { resolveSubjects } from '../modules/recommendations/evaluation.service.ts';

/** The resources are gone: their live recommendations are resolved (a claimed one waits for its action's outcome). */
export const resourceRemoved: EventHandler<'resource.removed'> = inRuns(
  (event) => event.data.cloud_account_id,
  async (events, trx) => {
    await resolveSubjects(trx, [...new Set(events.map((event) => event.data.resource_id))], 'resource_removed');
  },
);
