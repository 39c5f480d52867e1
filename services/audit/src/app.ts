import type { ServiceDefinition } from '@stratus/runtime';
import type { Queues } from '@stratus/queues';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { budgetThresholdCrossed } from './consumers/budget-threshold-crossed.consumer.ts';
import { actionFailed } from './consumers/action-failed.consumer.ts';
import { apiRequestRecorded } from './consumers/api-request-recorded.consumer.ts';
import { approvalRequested } from './consumers/approval-requested.consumer.ts';
import { HIGH_SAVINGS_THRESHOLD, recommendationCreated } from './consumers/recommendation-created.consumer.ts';
import { cloudAccountLinked } from './consumers/cloud-account-linked.consumer.ts';
import { cloudAccountUnlinked } from './consumers/cloud-account-unlinked.consumer.ts';
import { recordEveryEvent } from './consumers/every-event.consumer.ts';
import { workflowNotificationRequested } from './consumers/workflow-notification-requested.consumer.ts';
import { reportGenerated } from './consumers/report-generated.consumer.ts';
import { notificationDeliverReconciler } from './jobs/notification-deliver.reconciler.ts';
import { notificationsWorker } from './jobs/notifications.worker.ts';
import { activityRoutes } from './modules/activity/activity.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { auditCheckpointJob } from './jobs/audit-checkpoint.job.ts';
import { signingSecretRoutes } from './modules/deliveries/signing-secret.routes.ts';
import { notificationPreferencesRoutes } from './modules/notifications/notification-preferences.routes.ts';
import { notificationsRoutes } from './modules/notifications/notifications.routes.ts';

export function handlers(queues: Pick<Queues, 'enqueue'>, highSavingsThreshold = HIGH_SAVINGS_THRESHOLD) {
  return recordEveryEvent(
    {
      'cloud_account.linked': cloudAccountLinked,
      'cloud_account.unlinked': cloudAccountUnlinked,
      'api.request_recorded': apiRequestRecorded,
    },
    {
      'budget.threshold_crossed': budgetThresholdCrossed(queues),
      'approval.requested': approvalRequested(queues),
      'action.failed': actionFailed(queues),
      'recommendation.created': recommendationCreated(queues, highSavingsThreshold),
      'workflow.notification_requested': workflowNotificationRequested(queues),
      'report.generated': reportGenerated(queues),
    },
  );
}

export const service: ServiceDefinition<typeof env> = {
  name: 'audit',
  version: pkg.version,
  env,
  async routes(app, deps) {
    await app.register(activityRoutes, { prefix: '/v1' });
    await app.register(auditRoutes, { prefix: '/v1', db: deps.db, signingKey: deps.config.AUDIT_SIGNING_KEY });
    await app.register(notificationsRoutes, { prefix: '/v1' });
    await app.register(notificationPreferencesRoutes, { prefix: '/v1' });
    await app.register(signingSecretRoutes, { prefix: '/v1', keyring: deps.config.CREDENTIALS_KEYS });
  },
  consumers: (deps) => handlers(deps.queues, deps.config.AUDIT_HIGH_SAVINGS_THRESHOLD),
  background: (deps) => [
    notificationsWorker(deps),
    notificationDeliverReconciler(deps),
    ...auditCheckpointJob(deps, deps.config.AUDIT_SIGNING_KEY, deps.config.AUDIT_CHECKPOINT_INTERVAL_MINUTES),
  ],
};
