import { Agent, fetch, type Response } from 'undici';
import { addressRefusalOf, forbiddenLiteral, publicAddressesOnly } from '@stratus/http';
import { DeliveryError } from './delivery-error.ts';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature.ts';

export const WEBHOOK_TIMEOUT_MS = 10_000;

/** A receiver's Retry-After is followed up to an hour: longer, and the retries would outlive the alert. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** Retry-After in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - now;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** Why a webhook's host was refused; names the range, never the address (the reason is recorded and logged). */
function refusal(range: string, resolved: boolean): string {
  return (
    `the webhook's host ${resolved ? 'resolves to' : 'is'} a ${range} address; webhooks are sent to public addresses only ` +
    '(WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows others, for development)'
  );
}

/** undici's "fetch failed" hides the reason in its cause: ECONNREFUSED, a TLS error, a timeout, a refused address. */
function causeOf(error: unknown): { code?: string; message?: string } | undefined {
  return error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
}

function describeNetworkError(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`;
  const cause = causeOf(error);
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export interface WebhookRequest {
  url: string;
  body: string;
  /** Signs the body; absent for receivers that take no signature (Slack's incoming webhooks). */
  secret?: string;
  now?: number;
}

export interface WebhookSender {
  post(request: WebhookRequest): Promise<void>;
  close(): Promise<void>;
}

/**
 * The URL a webhook may be sent to: https, to a host that is not an address of a private range
 * (a name is checked when it is resolved, by the connection itself). The cost API only takes https
 * channels, but a channel is read from the database at delivery, so the rule is held here too.
 */
function checkTarget(url: string, allowPrivateNetworks: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DeliveryError('the webhook URL is not a valid URL', { permanent: true });
  }
  const schemes = allowPrivateNetworks ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(parsed.protocol)) {
    const allowed = allowPrivateNetworks ? 'https or http' : 'https (http is allowed only with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true, for development)';
    throw new DeliveryError(`the webhook URL is ${parsed.protocol.slice(0, -1)}, not ${allowed}`, { permanent: true });
  }
  if (allowPrivateNetworks) return;
  // A literal address is connected to without a lookup: it is checked here.
  const range = forbiddenLiteral(parsed);
  if (range !== undefined) throw new DeliveryError(refusal(range, false), { permanent: true });
}

/**
 * Sends webhooks through one connection pool. Unless `allowPrivateNetworks` (development and tests,
 * whose receivers listen on loopback), only https URLs are taken, and connections go to public
 * addresses only: see publicAddressesOnly.
 */
export function createWebhookSender({ allowPrivateNetworks }: { allowPrivateNetworks: boolean }): WebhookSender {
  const dispatcher = new Agent(allowPrivateNetworks ? {} : { connect: { lookup: publicAddressesOnly({ refusal }) } });
  return {
    /**
     * POSTs the body, signed when there is a secret, to the URL. Resolves on a 2xx. Network errors, timeouts, 429 and 5xx
     * are worth another attempt; a refused URL or address, or any other answer (a 4xx, or a
     * redirect, which is not followed so the signed body only ever reaches the URL the alert names),
     * is permanent.
     */
    async post({ url, body, secret, now = Date.now() }) {
      checkTarget(url, allowPrivateNetworks);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Stratus-Webhooks/1',
            ...(secret !== undefined ? { [SIGNATURE_HEADER]: signatureHeader(secret, body, Math.floor(now / 1000)) } : {}),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
          dispatcher,
        });
      } catch (error) {
        const refused = addressRefusalOf(error);
        if (refused !== undefined) throw new DeliveryError(refused, { permanent: true });
        throw new DeliveryError(`the webhook could not be reached: ${describeNetworkError(error)}`, { permanent: false });
      }
      // The answer's body is not read: free the connection.
      await response.body?.cancel();
      if (response.ok) return;
      if (response.status === 429 || response.status >= 500) {
        const wait = retryAfterMs(response.headers.get('retry-after'), now);
        throw new DeliveryError(`the webhook answered HTTP ${response.status}`, {
          permanent: false,
          ...(wait !== undefined ? { retryAfterMs: wait } : {}),
        });
      }
      throw new DeliveryError(`the webhook answered HTTP ${response.status}; not retried (only 429, 5xx and network errors are)`, {
        permanent: true,
      });
    },
    close: () => dispatcher.close(),
  };
}
