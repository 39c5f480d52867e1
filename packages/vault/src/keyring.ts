import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/** A secret cannot be sealed, opened or re-wrapped. Messages name keys and records, never secret material. */
export class VaultError extends Error {
  override name = 'VaultError';
}

const KEY_BYTES = 32;
const KID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The key-encryption keys by id: the first (active) one wraps new data keys, the others only
 * unwrap old ones. The key material is held as KeyObjects in a private field, so neither
 * JSON.stringify nor console.log of a keyring (or of a config holding one) can print it.
 */
export class Keyring {
  readonly active: string;
  readonly #keys = new Map<string, KeyObject>();

  /** The keys in order, the active one first; throws on a bad kid, a repeated kid or a key of the wrong size. */
  constructor(keys: Iterable<readonly [kid: string, key: Uint8Array]>) {
    for (const [kid, key] of keys) {
      if (!KID.test(kid)) throw new Error(`a key id is 1 to 64 letters, digits, '.', '_' or '-'`);
      if (this.#keys.has(kid)) throw new Error(`key id ${kid} appears twice`);
      if (key.length !== KEY_BYTES) throw new Error(`key ${kid} must be ${KEY_BYTES} bytes (44 base64 characters), not ${key.length}`);
      this.#keys.set(kid, createSecretKey(key));
    }
    const [active] = this.#keys.keys();
    if (active === undefined) throw new Error('needs at least one key, e.g. k1:<base64 of 32 random bytes>');
    this.active = active;
  }

  get kids(): string[] {
    return [...this.#keys.keys()];
  }

  /** The key-encryption key `kid`, or an error saying how to get it back. */
  kek(kid: string): KeyObject {
    const key = this.#keys.get(kid);
    if (!key) throw new VaultError(`a secret was sealed with key ${kid}, which is not in CREDENTIALS_KEYS; add it back to decrypt`);
    return key;
  }
}

/** Parses `kid:<base64 of 32 bytes>[,kid:<base64>...]`, the active key first. Errors never quote a key. */
export function parseKeyring(value: string): Keyring {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      if (at <= 0) throw new Error('each key is <kid>:<base64>; an entry has no kid');
      const kid = entry.slice(0, at);
      const encoded = entry.slice(at + 1);
      if (!BASE64.test(encoded) || encoded.length % 4 !== 0) throw new Error(`key ${kid} is not valid base64`);
      return [kid, Buffer.from(encoded, 'base64')] as const;
    });
  try {
    return new Keyring(entries);
  } finally {
    for (const [, key] of entries) key.fill(0);
  }
}

/** The CREDENTIALS_KEYS variable, for a service's environment schema; it produces a Keyring. */
export const credentialsKeys = z
  .string({ error: 'give kid:<base64 of 32 bytes>, e.g. from `scripts/stratus credentials generate-key`' })
  .transform((value, ctx) => {
    try {
      return parseKeyring(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** A new random key-encryption key in base64, to put in CREDENTIALS_KEYS as `<kid>:<key>`. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}
