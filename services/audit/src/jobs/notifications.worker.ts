import type { Worker } from 'bullmq';
import { createWorker } from '@stratus/queues';
import type { BackgroundTask, ServiceDeps } from '@stratus/runtime';
import type { AuditConfig } from '../config.ts';
import { createMailer } from '../modules/deliveries/email.sender.ts';
import { createWebhookSender } from '../modules/deliveries/webhook.sender.ts';
import { notificationDeliverJob } from './notification-deliver.job.ts';

/** Deliveries wait on receivers and mail servers, not on this process: several run at once. */
const CONCURRENCY = 8;

export interface NotificationsWorkerDependencies extends Pick<ServiceDeps, 'db' | 'redis' | 'logger'> {
  config: Pick<AuditConfig, 'REDIS_PREFIX' | 'SMTP_URL' | 'SMTP_FROM' | 'CREDENTIALS_KEYS' | 'WEBHOOK_ALLOW_PRIVATE_NETWORKS'>;
}

/** Drains the notifications queue: email and webhook announcements. */
export function notificationsWorker(deps: NotificationsWorkerDependencies): BackgroundTask {
  let worker: Worker | undefined;
  const { SMTP_URL, SMTP_FROM } = deps.config;
  const mailer = SMTP_URL !== undefined && SMTP_FROM !== undefined ? createMailer(SMTP_URL, SMTP_FROM) : undefined;
  const webhooks = createWebhookSender({ allowPrivateNetworks: deps.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS });
  return {
    name: 'notifications worker',
    async start() {
      if (!mailer) deps.logger.warn('SMTP_URL is not set: email notifications will be recorded as failed, not sent');
      if (deps.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS) {
        deps.logger.warn('WEBHOOK_ALLOW_PRIVATE_NETWORKS is on: webhooks may reach http URLs and private addresses, this host included');
      }
      worker = createWorker({
        queue: 'notifications',
        connection: deps.redis,
        prefix: deps.config.REDIS_PREFIX,
        concurrency: CONCURRENCY,
        logger: deps.logger,
        handlers: {
          'notification.deliver': notificationDeliverJob({ db: deps.db, logger: deps.logger, mailer, webhooks, keyring: deps.config.CREDENTIALS_KEYS }),
        },
      });
    },
    async stop() {
      await worker?.close();
      mailer?.close();
      await webhooks.close();
    },
  };
}
