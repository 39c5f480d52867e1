import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialsKeys, generateKey, openSecret, parseKeyring, rewrapSecret, sealSecret } from './index.ts';

const context = { organization_id: randomUUID(), cloud_account_id: randomUUID() };
const payload = { method: 'access_keys', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const k1 = `k1:${generateKey()}`;
const k2 = `k2:${generateKey()}`;

describe('credential vault', () => {
  it('seals and opens a payload, never showing it in the sealed form', () => {
    const keyring = parseKeyring(k1);
    const sealed = sealSecret(keyring, payload, context);
    expect(Object.keys(sealed).sort()).toEqual(['alg', 'ciphertext', 'iv', 'kid', 'tag', 'wrapped_key']);
    expect(sealed.kid).toBe('k1');
    expect(JSON.stringify(sealed)).not.toContain('wJalrXUtnFEMI');
    expect(JSON.stringify(sealed)).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(openSecret(keyring, sealed, context)).toEqual(payload);
  });

  it('uses a fresh data key and iv per record', () => {
    const keyring = parseKeyring(k1);
    const [a, b] = [sealSecret(keyring, payload, context), sealSecret(keyring, payload, context)];
    expect(a.iv).not.toBe(b.iv);
    expect(a.wrapped_key).not.toBe(b.wrapped_key);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('refuses a tampered field, or a secret moved to another record', () => {
    const keyring = parseKeyring(k1);
    const sealed = sealSecret(keyring, payload, context);
    const flip = (value: string) => {
      const bytes = Buffer.from(value, 'base64');
      bytes[bytes.length - 1]! ^= 1;
      return bytes.toString('base64');
    };
    for (const field of ['ciphertext', 'tag', 'iv', 'wrapped_key'] as const) {
      expect(() => openSecret(keyring, { ...sealed, [field]: flip(sealed[field]) }, context)).toThrow(/could not be decrypted/);
    }
    expect(() => openSecret(keyring, sealed, { ...context, cloud_account_id: randomUUID() })).toThrow(/could not be decrypted/);
  });

  it('rotates: re-wraps the data key under the new active key and opens without the old one', () => {
    const sealed = sealSecret(parseKeyring(k1), payload, context);
    const rotated = rewrapSecret(parseKeyring(`${k2},${k1}`), sealed);
    expect(rotated.kid).toBe('k2');
    expect(rotated.ciphertext).toBe(sealed.ciphertext);
    expect(openSecret(parseKeyring(k2), rotated, context)).toEqual(payload);
    expect(rewrapSecret(parseKeyring(k2), rotated)).toBe(rotated);
    expect(() => openSecret(parseKeyring(k2), sealed, context)).toThrow(/sealed with key k1, which is not in CREDENTIALS_KEYS/);
  });

  it('explains a bad CREDENTIALS_KEYS', () => {
    const issue = (value: string | undefined) => credentialsKeys.safeParse(value).error?.issues[0]?.message;
    expect(issue(undefined)).toMatch(/give kid:<base64 of 32 bytes>/);
    expect(issue('')).toMatch(/at least one key/);
    expect(issue('k1:c2hvcnQ=')).toMatch(/k1 must be 32 bytes/);
    expect(issue(`${k1},${k1}`)).toMatch(/k1 appears twice/);
    expect(issue(generateKey())).toMatch(/<kid>:<base64>/);
    expect(credentialsKeys.parse(`${k2},${k1}`).active).toBe('k2');
  });
});
