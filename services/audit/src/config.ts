import { z } from 'zod';
import { port, serviceEnv } from '@stratus/config';

export const env = serviceEnv
  .extend({
    PORT: port.default(8085),
    /**
     * The SMTP server that sends email notifications: smtp://user:password@host:587 (STARTTLS when
     * offered) or smtps://user:password@host:465. Unset, email deliveries are recorded as failed.
     */
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
    /** The From of email notifications, e.g. "Stratus <alerts@example.com>". */
    SMTP_FROM: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.SMTP_URL !== undefined && config.SMTP_FROM === undefined) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_FROM'], message: 'required when SMTP_URL is set' });
    }
  });

export type AuditConfig = z.infer<typeof env>;
