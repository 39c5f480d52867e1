import { createTransport } from 'nodemailer';
import { DeliveryError } from './delivery-error.ts';

/** Recorded on every email delivery of a service started without SMTP_URL. */
export const SMTP_NOT_CONFIGURED = 'SMTP is not configured (set SMTP_URL)';

const SMTP_TIMEOUT_MS = 10_000;

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: EmailMessage): Promise<void>;
  close(): void;
}

interface SmtpError extends Error {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  command?: string;
  /** Set by nodemailer from an SMTP reply: 5xx (but 503) is a refusal for good. */
  permanent?: boolean;
}

/**
 * What went wrong, without the server's words: a reply can quote the recipient, and the message is
 * recorded and logged.
 */
function asDeliveryError(error: SmtpError): DeliveryError {
  if (error.responseCode !== undefined) {
    return new DeliveryError(`the SMTP server answered ${error.responseCode}${error.command ? ` to ${error.command}` : ''}`, {
      permanent: error.permanent === true,
    });
  }
  return new DeliveryError(`the SMTP server could not be reached: ${error.originalCode ?? error.code ?? error.message}`, {
    permanent: false,
  });
}

/** Sends through the SMTP server of SMTP_URL (smtp:// or smtps://, credentials in the URL), one connection per message. */
export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport = createTransport(
    { url: smtpUrl, connectionTimeout: SMTP_TIMEOUT_MS, greetingTimeout: SMTP_TIMEOUT_MS, socketTimeout: SMTP_TIMEOUT_MS },
    { from },
  );
  return {
    async send(message) {
      try {
        await transport.sendMail(message);
      } catch (error) {
        throw asDeliveryError(error as SmtpError);
      }
    },
    close() {
      transport.close();
    },
  };
}
