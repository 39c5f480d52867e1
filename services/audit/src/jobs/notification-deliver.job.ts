import { UnrecoverableError } from 'bullmq';
import { withTenant, type DeliveryChannel, type JsonObject } from '@stratus/db';
import { RetryLaterError, type JobHandler } from '@stratus/queues';
import type { ServiceDeps } from '@stratus/runtime';
import type { Keyring } from '@stratus/vault';
import { DeliveryError } from '../modules/deliveries/delivery-error.ts';
import { findDelivery, findSigningSecret, markAttemptFailed, markDelivered } from '../modules/deliveries/deliveries.repository.ts';
import { SMTP_NOT_CONFIGURED, type Mailer } from '../modules/deliveries/email.sender.ts';
import type { WebhookSender } from '../modules/deliveries/webhook.sender.ts';

export interface DeliveryDependencies extends Pick<ServiceDeps, 'db' | 'logger'> {
  /** Absent when SMTP_URL is not set: every email delivery then fails, saying so. */
  mailer: Mailer | undefined;
  /** Opens the organisation's signing secret. */
  keyring: Keyring;
  webhooks: WebhookSender;
}

/** Slack's mrkdwn reads &, < and > as markup: a title or message naming `<resource>` must not become a link. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The message a Slack incoming webhook posts: the notification's title in bold over its message. */
export function slackMessage(title: string, message: string): { text: string } {
  return { text: `*${escapeMrkdwn(title)}*\n${escapeMrkdwn(message)}` };
}

const NO_SIGNING_SECRET =
  'the organisation has no webhook signing secret: create one with POST /v1/webhook-signing-secret (audit service)';

async function send(
  deps: DeliveryDependencies,
  organizationId: string,
  delivery: { channel: DeliveryChannel; payload: JsonObject; title: string; message: string },
): Promise<void> {
  const { channel } = delivery;
  if (channel.type === 'email') {
    if (!deps.mailer) throw new DeliveryError(SMTP_NOT_CONFIGURED, { permanent: true });
    await deps.mailer.send({ to: channel.to, subject: delivery.title, text: delivery.message });
    return;
  }
  if (channel.type === 'slack') {
    // Slack's incoming webhooks take a message, not Stratus's payload, and check no signature: the URL is the secret.
    await deps.webhooks.post({ url: channel.url, body: JSON.stringify(slackMessage(delivery.title, delivery.message)) });
    return;
  }
  const secret = await withTenant(deps.db, organizationId, (trx) => findSigningSecret(trx, deps.keyring, organizationId));
  if (secret === undefined) throw new DeliveryError(NO_SIGNING_SECRET, { permanent: true });
  await deps.webhooks.post({ url: channel.url, body: JSON.stringify(delivery.payload), secret });
}

/**
 * Sends one email, webhook or Slack announcement, once: a delivery no longer pending is skipped, so the
 * event applied again or the job enqueued again sends nothing. Each failed attempt is recorded on
 * the delivery; the last one, or a permanent failure, marks it failed. A crash between the send and
 * its record sends again on retry: receivers deduplicate on the payload's event id.
 */
export function notificationDeliverJob(deps: DeliveryDependencies): JobHandler<'notification.deliver'> {
  return async ({ organization_id, event_id, channel_key }, job) => {
    const delivery = await withTenant(deps.db, organization_id, (trx) => findDelivery(trx, event_id, channel_key));
    // The consumer enqueues inside its transaction: the row may not be committed yet.
    if (!delivery) throw new Error(`delivery ${event_id}/${channel_key} is not recorded yet`);
    if (delivery.status !== 'pending') return { status: 'skipped', reason: `already ${delivery.status}` };

    // Sends made, counted on the delivery: a job attempt that ran before the consumer's transaction
    // committed (above) sent nothing, so job.attemptsMade can be ahead of it.
    const attempts = delivery.attempts + 1;
    try {
      await send(deps, organization_id, delivery);
    } catch (error) {
      const failure =
        error instanceof DeliveryError ? error : new DeliveryError(error instanceof Error ? error.message : String(error), { permanent: false });
      // The sends counted on the row bound them too: a job the reconciler enqueued again after Redis
      // lost it starts from attempt 1, but the delivery keeps the attempts it has had.
      const final = failure.permanent || Math.max(job.attemptsMade + 1, attempts) >= (job.opts.attempts ?? 1);
      await withTenant(deps.db, organization_id, (trx) => markAttemptFailed(trx, delivery.id, { attempts, error: failure.message, final }));
      if (final) throw new UnrecoverableError(failure.message);
      if (failure.retryAfterMs !== undefined) throw new RetryLaterError(failure.message, failure.retryAfterMs);
      throw failure;
    }
    await withTenant(deps.db, organization_id, (trx) => markDelivered(trx, delivery.id, attempts));
    deps.logger.info({ deliveryId: delivery.id, eventId: event_id, channel: delivery.channel.type, attempts }, 'notification delivered');
    return { status: 'done', delivery_id: delivery.id, attempts };
  };
}
