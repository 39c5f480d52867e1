import { durableWork, reconcile } from '@stratus/queues';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';
import { deliveryJobId, unfinishedDeliveries } from '../modules/deliveries/deliveries.repository.ts';

/**
 * A lost job is found within a minute. Cheap when nothing is pending: one read of a partial index,
 * and one Redis round trip per 500 pending deliveries.
 */
export const RECONCILE_INTERVAL_MS = 60_000;

/** Pending deliveries and the notification.deliver job each is sent by. */
export function notificationDeliveries(db: ServiceDeps['db']) {
  return durableWork({
    name: 'notification deliveries',
    job: 'notification.deliver',
    unfinished: (page) => unfinishedDeliveries(db, page),
    cursorOf: (row) => row.id,
    jobOf: (row) => ({
      jobId: deliveryJobId(row.event_id, row.channel_key),
      payload: { organization_id: row.organization_id, event_id: row.event_id, channel_key: row.channel_key },
    }),
  });
}

/**
 * Gives a pending delivery its job back when Redis lost it (a flush, a restart without
 * persistence): at start, then every interval. The job sends nothing for a delivery already made.
 */
export function notificationDeliverReconciler(
  deps: Pick<ServiceDeps, 'db' | 'queues' | 'logger'>,
  intervalMs = RECONCILE_INTERVAL_MS,
): BackgroundTask {
  const work = notificationDeliveries(deps.db);
  return periodicTask('notification deliveries reconciler', intervalMs, deps.logger, () =>
    reconcile(deps.queues, work, { logger: deps.logger }),
  );
}
