import { createHmac, randomBytes } from 'node:crypto';

/** The header a receiver verifies: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'Stratus-Signature';

/**
 * Signs the exact body sent, with the time it was sent: a receiver that rejects old timestamps
 * cannot be fed a captured request again later.
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** 32 random bytes; the prefix tells it apart from other keys where it ends up pasted. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
