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

/** undici's "fetch failed" hides the reason in its cause: ECONNREFUSED, a TLS error, a timeout. */
function describeNetworkError(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * POSTs the body, signed, to the URL. Resolves on a 2xx. Network errors, timeouts, 429 and 5xx are
 * worth another attempt; any other answer (a 4xx, or a redirect, which is not followed so the
 * signed body only ever reaches the URL the alert names) is permanent.
 */
export async function postWebhook({ url, body, secret, now = Date.now() }: { url: string; body: string; secret: string; now?: number }): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Stratus-Webhooks/1',
        [SIGNATURE_HEADER]: signatureHeader(secret, body, Math.floor(now / 1000)),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (error) {
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
}
