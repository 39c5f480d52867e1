import type { Redis } from 'ioredis';
import { Secret, TOTP } from 'otpauth';
import { z } from 'zod';

const PERIOD_SECONDS = 30;
/** One step either side: a phone's clock a little off, or a code typed as it turns over. */
const WINDOW = 1;

export const totpCode = z.string({ error: 'code must be a string' }).regex(/^\d{6}$/, 'code must be 6 digits');

function totpOf(secret: string, label: string): TOTP {
  return new TOTP({ issuer: 'Stratus', label, secret: Secret.fromBase32(secret), period: PERIOD_SECONDS });
}

/** A new RFC 6238 secret (160 bits, base32) and the otpauth:// URL an authenticator app scans. */
export function newTotpSecret(label: string): { secret: string; otpauth_url: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, otpauth_url: totpOf(secret, label).toString() };
}

/**
 * Whether code is valid now for the secret, and not used before: an accepted code's time step is
 * remembered in Redis until it can no longer be valid, so a code seen over a shoulder or replayed
 * from a request log does not sign in a second time.
 */
export async function acceptTotpCode(
  redis: Redis,
  usedKeyPrefix: string,
  userId: string,
  secret: string,
  code: string,
  now = Date.now(),
): Promise<boolean> {
  const delta = totpOf(secret, userId).validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return false;
  const step = Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
  const first = await redis.set(`${usedKeyPrefix}:${userId}:${step}`, '1', 'EX', PERIOD_SECONDS * (2 * WINDOW + 2), 'NX');
  return first === 'OK';
}
