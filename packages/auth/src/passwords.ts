import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';

/**
 * argon2id with the library's defaults (19 MiB, 2 passes, 1 lane: OWASP's minimum for argon2id).
 * The hash string carries its parameters, so raising them later still verifies older hashes.
 */
export const password = z
  .string({ error: 'password must be a string' })
  .min(12, 'password must have at least 12 characters')
  .max(256, 'password must have at most 256 characters');

export function hashPassword(plain: string): Promise<string> {
  return hash(plain);
}

// An unknown email costs the same argon2 work as a wrong password, so timing does not tell them apart.
const unknownUserHash = hash('no user has this password: it only takes time');

/** Whether plain is the password of this hash; with no hash (unknown user, never set) false after the same work. */
export async function verifyPassword(passwordHash: string | null | undefined, plain: string): Promise<boolean> {
  if (!passwordHash) {
    await verify(await unknownUserHash, plain).catch(() => false);
    return false;
  }
  return verify(passwordHash, plain).catch(() => false);
}
