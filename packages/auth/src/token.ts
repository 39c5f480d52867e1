import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'stratus_';
/** `stratus_` then 32 random bytes in base64url (43 characters). */
const TOKEN_PATTERN = /^stratus_[A-Za-z0-9_-]{43}$/;
/** Shown in token lists; 4 random characters identify a token without helping to guess it. */
const DISPLAY_PREFIX_LENGTH = 12;

export interface GeneratedToken {
  /** The plaintext: shown to its owner once, never stored. */
  token: string;
  prefix: string;
  hash: Buffer;
}

export function generateToken(): GeneratedToken {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, prefix: token.slice(0, DISPLAY_PREFIX_LENGTH), hash: hashToken(token) };
}

/**
 * sha256, unsalted: the token carries 256 random bits, so it cannot be guessed from its hash, and an
 * unsalted hash can be looked up by an index.
 */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Rejects what cannot be a token before anything asks the database. */
export function isWellFormedToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}
