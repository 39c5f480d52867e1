import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** Key-encryption keys by id; the active one wraps new data keys, the others only unwrap old ones. */
export interface Keyring {
  active: string;
  keys: ReadonlyMap<string, Buffer>;
}

const KEY_BYTES = 32;
const KID = /^[A-Za-z0-9._-]{1,64}$/;

/** Parses `kid:<base64 of 32 bytes>[,kid:<base64>...]`, active key first. */
export function parseKeyring(value: string): Keyring {
  const keys = new Map<string, Buffer>();
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('needs at least one key, e.g. k1:<base64 of 32 random bytes>');
  for (const entry of entries) {
    const at = entry.indexOf(':');
    const kid = at > 0 ? entry.slice(0, at) : '';
    if (!KID.test(kid)) throw new Error(`each key is <kid>:<base64>, with a kid of letters, digits, '.', '_' or '-'; got an entry without one`);
    if (keys.has(kid)) throw new Error(`key id ${kid} appears twice`);
    const encoded = entry.slice(at + 1);
    const key = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length !== KEY_BYTES) {
      throw new Error(`key ${kid} must be ${KEY_BYTES} bytes in base64 (44 characters)`);
    }
    keys.set(kid, key);
  }
  return { active: entries[0]!.slice(0, entries[0]!.indexOf(':')), keys };
}

/** The CREDENTIALS_KEYS variable, for a service's environment schema. */
export const credentialsKeys = z.string({ error: 'give kid:<base64 of 32 bytes>, e.g. from `pnpm stratus credentials generate-key`' }).transform((value, ctx) => {
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
