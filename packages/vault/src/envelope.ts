import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { VaultError, type Keyring } from './keyring.ts';

/**
 * What a sealed column holds (cloud_credentials.secret, webhook_signing_secrets.secret: a CHECK
 * requires these six keys); binary fields are base64. A type rather than an interface, so that
 * @stratus/db's Jsonb<> takes it as a JSON object.
 */
export type EncryptedSecret = {
  alg: string;
  kid: string;
  iv: string;
  tag: string;
  wrapped_key: string;
  ciphertext: string;
};

/**
 * Binds a ciphertext to the row it is stored in: copied to another row, table or organisation, it
 * no longer opens. `ids` identify the row within its table, organisation first, e.g.
 * [organization_id, cloud_account_id] in cloud_credentials.
 */
export interface SecretContext {
  table: string;
  ids: readonly string[];
}

/** The payload in AES-256-GCM under a per-record data key, itself in AES-256-GCM under the kid's key. */
const ALG = 'A256GCM+A256GCMKW';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_BYTES = IV_BYTES + TAG_BYTES + KEY_BYTES;

interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function seal(key: Buffer | KeyObject, plaintext: Buffer, aad: Buffer): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

/** Throws when the tag does not match: the key, the bytes or the AAD differ from the seal's. */
function open(key: Buffer | KeyObject, { iv, tag, ciphertext }: Sealed, aad: Buffer): Buffer {
  // GCM alone accepts a tag cut to 4 bytes, easy to forge; decode() checks lengths, this keeps open() safe by itself.
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/**
 * The data key is wrapped with AES-256-GCM, not RFC 3394 key wrap (id-aes256-wrap): one primitive
 * and code path to review instead of two, and GCM authenticates the kid as AAD, which key wrap
 * cannot. Its random 96-bit IV is safe for far more wraps than one key makes before rotation
 * (NIST's bound is 2^32). `wrapped_key` is base64 of iv (12 bytes) | tag (16) | encrypted data key (32).
 */
function wrap(keyring: Keyring, dataKey: Buffer): string {
  const { iv, tag, ciphertext } = seal(keyring.kek(keyring.active), dataKey, Buffer.from(keyring.active));
  return Buffer.concat([iv, tag, ciphertext]).toString('base64');
}

function unwrap(keyring: Keyring, secret: EncryptedSecret): Buffer {
  const kek = keyring.kek(secret.kid);
  const bytes = decode(secret, 'wrapped_key', WRAPPED_BYTES);
  const wrapped = { iv: bytes.subarray(0, IV_BYTES), tag: bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES), ciphertext: bytes.subarray(IV_BYTES + TAG_BYTES) };
  try {
    return open(kek, wrapped, Buffer.from(secret.kid));
  } catch {
    throw new VaultError(`the data key of a secret under key ${secret.kid} does not unwrap: wrapped_key was altered, or ${secret.kid} in CREDENTIALS_KEYS is not the key it was sealed with`);
  }
}

const TABLE = /^[a-z][a-z0-9_]*$/;

/**
 * The AAD of a record: `stratus:<table>:<id>:<id>...`, the form cloud_credentials were first sealed
 * with. A ':' is refused in the parts so that two different records never give the same text.
 */
function aadOf({ table, ids }: SecretContext): Buffer {
  if (typeof table !== 'string' || !TABLE.test(table)) throw new VaultError('a secret is bound to a table name (lower-case letters, digits and "_")');
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string' || id === '' || id.includes(':'))) {
    throw new VaultError('a secret is bound to its row by one or more non-empty ids without ":"');
  }
  return Buffer.from(['stratus', table, ...ids].join(':'));
}

/** Names the record in an error: its table and ids, never its contents. */
function recordOf({ table, ids }: SecretContext): string {
  return `${table} ${ids.join('/')}`;
}

/** A binary field of a stored secret, checked for its length: a secret read from the database is untrusted input. */
function decode(secret: EncryptedSecret, field: 'iv' | 'tag' | 'wrapped_key' | 'ciphertext', bytes?: number): Buffer {
  const value: unknown = secret[field];
  const decoded = typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
  if (!decoded || (bytes !== undefined && decoded.length !== bytes)) {
    throw new VaultError(`secret is malformed: ${field} must be ${bytes === undefined ? 'base64' : `${bytes} bytes in base64`}`);
  }
  return decoded;
}

function checkForm(secret: EncryptedSecret): void {
  if (secret === null || typeof secret !== 'object' || typeof secret.kid !== 'string') throw new VaultError('secret is malformed: it has no kid');
  if (secret.alg !== ALG) throw new VaultError(`secret uses the algorithm ${String(secret.alg)}, not ${ALG}`);
}

/**
 * Envelope encryption of a JSON payload: a fresh data key per record encrypts it, bound to the
 * record by `context`; the active key wraps the data key. Only the six fields come out.
 */
export function sealSecret(keyring: Keyring, payload: unknown, context: SecretContext): EncryptedSecret {
  const aad = aadOf(context);
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch {
    // JSON.stringify's own message can quote the payload's property names.
    throw new VaultError('the payload cannot be written as JSON');
  }
  if (json === undefined) throw new VaultError('the payload cannot be written as JSON');
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const { iv, tag, ciphertext } = seal(dataKey, Buffer.from(json), aad);
    return {
      alg: ALG,
      kid: keyring.active,
      iv: iv.toString('base64'),
      tag: tag.toString('base64'),
      wrapped_key: wrap(keyring, dataKey),
      ciphertext: ciphertext.toString('base64'),
    };
  } finally {
    dataKey.fill(0);
  }
}

/** The payload of a sealed secret; throws VaultError when its key is missing, it was altered or it belongs to another record. */
export function openSecret(keyring: Keyring, secret: EncryptedSecret, context: SecretContext): unknown {
  checkForm(secret);
  const aad = aadOf(context);
  const sealed = { iv: decode(secret, 'iv', IV_BYTES), tag: decode(secret, 'tag', TAG_BYTES), ciphertext: decode(secret, 'ciphertext') };
  const dataKey = unwrap(keyring, secret);
  let plaintext: Buffer;
  try {
    plaintext = open(dataKey, sealed, aad);
  } catch {
    // GCM says only "unable to authenticate data"; say what it means here.
    throw new VaultError(`the secret of ${recordOf(context)} could not be decrypted: it was altered, or belongs to another record`);
  } finally {
    dataKey.fill(0);
  }
  try {
    return JSON.parse(plaintext.toString('utf8'));
  } catch {
    // A SyntaxError quotes the text it choked on: the plaintext.
    throw new VaultError(`the secret of ${recordOf(context)} does not hold JSON`);
  }
}

/**
 * Re-wraps the data key under the active key; iv, tag and ciphertext are untouched, so rotation
 * never decrypts a payload and cannot corrupt one. A secret already under the active key is
 * returned as it is.
 */
export function rewrapSecret(keyring: Keyring, secret: EncryptedSecret): EncryptedSecret {
  checkForm(secret);
  if (secret.kid === keyring.active) return secret;
  const dataKey = unwrap(keyring, secret);
  try {
    const { alg, iv, tag, ciphertext } = secret;
    return { alg, kid: keyring.active, iv, tag, wrapped_key: wrap(keyring, dataKey), ciphertext };
  } finally {
    dataKey.fill(0);
  }
}
