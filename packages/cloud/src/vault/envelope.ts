import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.ts';

/** What cloud_credentials.secret holds (its CHECK requires these six keys); binary fields are base64. */
export interface EncryptedSecret {
  alg: string;
  kid: string;
  iv: string;
  tag: string;
  wrapped_key: string;
  ciphertext: string;
}

/** Binds a ciphertext to its row: copied to another account or organisation, it no longer opens. */
export interface SecretContext {
  organization_id: string;
  cloud_account_id: string;
}

const ALG = 'A256GCM+A256GCMKW';
const IV_BYTES = 12;

function aad({ organization_id, cloud_account_id }: SecretContext): Buffer {
  return Buffer.from(`stratus:cloud_credentials:${organization_id}:${cloud_account_id}`);
}

function seal(key: Buffer, plaintext: Buffer, additional?: Buffer): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (additional) cipher.setAAD(additional);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function open(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, additional?: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (additional) decipher.setAAD(additional);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/**
 * The data key is wrapped with AES-256-GCM too, not RFC 3394 key wrap: one primitive to review,
 * and the wrap authenticates the key id it was made under. `wrapped_key` is iv (12) | tag (16) |
 * encrypted data key (32), base64.
 */
function wrap(kek: Buffer, kid: string, dataKey: Buffer): string {
  const { iv, tag, ciphertext } = seal(kek, dataKey, Buffer.from(kid));
  return Buffer.concat([iv, tag, ciphertext]).toString('base64');
}

function unwrap(kek: Buffer, kid: string, wrapped: string): Buffer {
  const bytes = Buffer.from(wrapped, 'base64');
  return open(kek, bytes.subarray(0, IV_BYTES), bytes.subarray(IV_BYTES, IV_BYTES + 16), bytes.subarray(IV_BYTES + 16), Buffer.from(kid));
}

function kekOf(keyring: Keyring, kid: string): Buffer {
  const kek = keyring.keys.get(kid);
  if (!kek) throw new Error(`credential was sealed with key ${kid}, which is not in CREDENTIALS_KEYS; add it back to decrypt`);
  return kek;
}

/** Envelope encryption: a fresh data key per record encrypts the payload; the active key wraps the data key. */
export function sealSecret(keyring: Keyring, payload: unknown, context: SecretContext): EncryptedSecret {
  const dataKey = randomBytes(32);
  try {
    const { iv, tag, ciphertext } = seal(dataKey, Buffer.from(JSON.stringify(payload)), aad(context));
    return {
      alg: ALG,
      kid: keyring.active,
      iv: iv.toString('base64'),
      tag: tag.toString('base64'),
      wrapped_key: wrap(kekOf(keyring, keyring.active), keyring.active, dataKey),
      ciphertext: ciphertext.toString('base64'),
    };
  } finally {
    dataKey.fill(0);
  }
}

export function openSecret(keyring: Keyring, secret: EncryptedSecret, context: SecretContext): unknown {
  if (secret.alg !== ALG) throw new Error(`credential uses an unknown algorithm ${secret.alg}`);
  const kek = kekOf(keyring, secret.kid);
  let dataKey: Buffer | undefined;
  try {
    dataKey = unwrap(kek, secret.kid, secret.wrapped_key);
    const plaintext = open(dataKey, Buffer.from(secret.iv, 'base64'), Buffer.from(secret.tag, 'base64'), Buffer.from(secret.ciphertext, 'base64'), aad(context));
    return JSON.parse(plaintext.toString('utf8'));
  } catch (error) {
    if ((error as Error).message.includes('not in CREDENTIALS_KEYS')) throw error;
    // GCM says only "unsupported state or unable to authenticate data"; say what it means here.
    throw new Error(`credential of cloud account ${context.cloud_account_id} could not be decrypted: it was altered, or belongs to another record`);
  } finally {
    dataKey?.fill(0);
  }
}

/**
 * Re-wraps the data key under the active key; the ciphertext is untouched, so rotation never
 * decrypts a payload and cannot corrupt one. Already under the active key: returned as it is.
 */
export function rewrapSecret(keyring: Keyring, secret: EncryptedSecret): EncryptedSecret {
  if (secret.kid === keyring.active) return secret;
  const dataKey = unwrap(kekOf(keyring, secret.kid), secret.kid, secret.wrapped_key);
  try {
    return { ...secret, kid: keyring.active, wrapped_key: wrap(kekOf(keyring, keyring.active), keyring.active, dataKey) };
  } finally {
    dataKey.fill(0);
  }
}
