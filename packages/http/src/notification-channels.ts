import { z } from 'zod';
import type { DeliveryChannel, NotificationChannel } from '@stratus/db';

const https = z.url({ protocol: /^https$/ });

const email = z
  .strictObject({ type: z.literal('email'), to: z.email().describe('one recipient address') })
  .describe('an email sent by the audit service through its SMTP server (SMTP_URL); recorded as failed when none is configured');

const webhook = z
  .strictObject({
    type: z.literal('webhook'),
    url: https.describe('https only; receives a POST of the JSON payload documented in the README'),
  })
  .describe(
    "a signed POST (header Stratus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">, keyed by the organisation's " +
      'webhook signing secret, made with POST /v1/webhook-signing-secret on the audit service)',
  );

const slack = z
  .strictObject({
    type: z.literal('slack'),
    url: https.describe("a Slack incoming webhook's URL (https://hooks.slack.com/services/...)"),
  })
  .describe("a message posted to a Slack channel through an incoming webhook: the notification's title in bold over its message");

/** Where a notification is delivered outside the app: the channels of a user's notification preferences. */
export const deliveryChannel = z.discriminatedUnion('type', [email, webhook, slack]) satisfies z.ZodType<DeliveryChannel>;

/** Where a notification is announced: a budget alert's channels. */
export const notificationChannel = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('in_app') }).describe('a notification in the app (GET /v1/notifications of the audit service)'),
  email,
  webhook,
  slack,
]) satisfies z.ZodType<NotificationChannel>;
