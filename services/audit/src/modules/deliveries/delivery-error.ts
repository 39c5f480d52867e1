/**
 * Why one attempt at a delivery failed. `permanent`: another attempt cannot succeed (a 4xx answer,
 * no SMTP server, no signing secret). `retryAfterMs`: the receiver said when to come back. The
 * message is recorded on the delivery and logged, so it never holds an address, URL or secret.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly permanent: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, { permanent, retryAfterMs }: { permanent: boolean; retryAfterMs?: number }) {
    super(message);
    this.permanent = permanent;
    this.retryAfterMs = retryAfterMs;
  }
}
