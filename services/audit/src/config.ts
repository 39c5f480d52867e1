import { z } from 'zod';
import { booleanFlag, port, serviceEnv } from '@stratus/config';
import { parseSigningKey } from '@stratus/db';
import { credentialsKeys } from '@stratus/vault';
import { HIGH_SAVINGS_THRESHOLD } from './consumers/recommendation-created.consumer.ts';

/** Compose and Helm pass an unset optional variable as "": that means unset too. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export const env = serviceEnv
  .extend({
    PORT: port.default(8085),
    /**
     * The keys that seal webhook signing secrets: the ingestion service's CREDENTIALS_KEYS, so that
     * one keyring and one `stratus credentials rotate` cover every secret Stratus stores.
     */
    CREDENTIALS_KEYS: credentialsKeys,
    /**
     * The SMTP server that sends email notifications: smtp://user:password@host:587 (STARTTLS when
     * offered) or smtps://user:password@host:465. Unset, email deliveries are recorded as failed.
     */
    SMTP_URL: optional(z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' })),
    /** The From of email notifications, e.g. "Stratus <alerts@example.com>". */
    SMTP_FROM: optional(z.string()),
    /**
     * Off, webhooks go to https URLs on public addresses only: an alert's URL is chosen by a user,
     * and must not reach this host, its network or a cloud metadata service. On (development and
     * tests, with receivers on loopback), http and every address are allowed.
     */
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanFlag.default(false),
    /**
     * The Ed25519 key that signs the audit chain's checkpoints: PKCS#8 DER in base64, as
     * `stratus audit generate-key` prints it. Keep it out of the database's reach (a secret store):
     * whoever holds it could re-sign a rewritten chain. Unset, no checkpoint is signed, and a
     * superuser's rewrite of a whole chain goes unnoticed.
     */
    AUDIT_SIGNING_KEY: optional(
      z.string().transform((value, ctx) => {
        try {
          return parseSigningKey(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `not an Ed25519 PKCS#8 key in base64: ${(error as Error).message}` });
          return z.NEVER;
        }
      }),
    ),
    /** A new recommendation saving at least this much a month (in its currency) is announced to the organisation. */
    AUDIT_HIGH_SAVINGS_THRESHOLD: z.coerce.number().nonnegative().default(HIGH_SAVINGS_THRESHOLD),
    /** How often each organisation's chain head is signed (when it moved since its last checkpoint). */
    AUDIT_CHECKPOINT_INTERVAL_MINUTES: z.coerce.number().int().positive().default(60),
  })
  .superRefine((config, ctx) => {
    if (config.SMTP_URL !== undefined && config.SMTP_FROM === undefined) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_FROM'], message: 'required when SMTP_URL is set' });
    }
  });

export type AuditConfig = z.infer<typeof env>;
