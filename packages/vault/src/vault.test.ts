import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { credentialsKeys, generateKey, openSecret, parseKeyring, rewrapSecret, sealSecret, VaultError, type EncryptedSecret } from './index.ts';

const context = { table: 'cloud_credentials', ids: [randomUUID(), randomUUID()] };
const payload = { method: 'access_keys', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const key1 = generateKey();
const key2 = generateKey();
const k1 = `k1:${key1}`;
const k2 = `k2:${key2}`;

const bytes = (value: string) => Buffer.from(value, 'base64');
const flipLastBit = (value: string) => {
  const decoded = bytes(value);
  decoded[decoded.length - 1]! ^= 1;
  return decoded.toString('base64');
};

/** Runs `fn`, expecting a VaultError that quotes neither the payload nor a key. */
function vaultError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VaultError);
    const message = (error as Error).message;
    for (const secret of [payload.access_key_id, payload.secret_access_key, key1, key2]) expect(message).not.toContain(secret);
    return message;
  }
  throw new Error('expected a VaultError');
}

describe('sealSecret and openSecret', () => {
  it('seal and open a payload, which never shows in the sealed form', () => {
    const keyring = parseKeyring(k1);
    const sealed = sealSecret(keyring, payload, context);

    expect(Object.keys(sealed).sort()).toEqual(['alg', 'ciphertext', 'iv', 'kid', 'tag', 'wrapped_key']);
    expect(sealed).toMatchObject({ alg: 'A256GCM+A256GCMKW', kid: 'k1' });
    expect([bytes(sealed.iv).length, bytes(sealed.tag).length, bytes(sealed.wrapped_key).length]).toEqual([12, 16, 60]);
    const stored = JSON.stringify(sealed);
    for (const secret of [payload.access_key_id, payload.secret_access_key, Buffer.from(payload.secret_access_key).toString('base64'), key1]) {
      expect(stored).not.toContain(secret);
    }
    expect(openSecret(keyring, sealed, context)).toEqual(payload);
    expect(openSecret(keyring, JSON.parse(stored) as EncryptedSecret, context)).toEqual(payload);
  });

  it('uses a fresh data key and iv for every record', () => {
    const keyring = parseKeyring(k1);
    const [a, b] = [sealSecret(keyring, payload, context), sealSecret(keyring, payload, context)];
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    // With a shared data key, one record's wrapped key would open the other.
    expect(vaultError(() => openSecret(keyring, { ...a, wrapped_key: b.wrapped_key }, context))).toMatch(/could not be decrypted/);
  });

  it('refuses a secret with any field altered, or moved to another record', () => {
    const keyring = parseKeyring(`${k1},${k2}`);
    const sealed = sealSecret(keyring, payload, context);
    for (const field of ['ciphertext', 'tag', 'iv', 'wrapped_key'] as const) {
      expect(vaultError(() => openSecret(keyring, { ...sealed, [field]: flipLastBit(sealed[field]) }, context))).toMatch(/altered/);
    }
    // The wrap authenticates its kid: relabelled, the data key no longer unwraps.
    expect(vaultError(() => openSecret(keyring, { ...sealed, kid: 'k2' }, context))).toMatch(/does not unwrap/);
    const [organizationId] = context.ids as [string, string];
    const otherAccount = randomUUID();
    expect(vaultError(() => openSecret(keyring, sealed, { ...context, ids: [organizationId, otherAccount] }))).toBe(
      `the secret of cloud_credentials ${organizationId}/${otherAccount} could not be decrypted: it was altered, or belongs to another record`,
    );
    expect(vaultError(() => openSecret(keyring, sealed, { ...context, ids: [randomUUID(), context.ids[1]!] }))).toMatch(/belongs to another record/);
    // Same ids in another table, or fewer of them: another record too.
    expect(vaultError(() => openSecret(keyring, sealed, { ...context, table: 'webhook_signing_secrets' }))).toMatch(/belongs to another record/);
    expect(vaultError(() => openSecret(keyring, sealed, { ...context, ids: [organizationId] }))).toMatch(/belongs to another record/);
  });

  it('opens a cloud credential sealed before secrets were bound to a table: the additional data is the same bytes', () => {
    // Made by the vault of commit cb9a175, whose context was { organization_id, cloud_account_id }.
    const sealedThen: EncryptedSecret = {
      alg: 'A256GCM+A256GCMKW',
      kid: 'k1',
      iv: 'KHA41csOtBbw6BH7',
      tag: 'Te98LyTzFbTT5u5GEY3Ffg==',
      wrapped_key: '4gmluPhC2a8e9eGzgSidXNqDJp31p4HW5kzI5LXiMWCPZkYMuna6du+936iCfeYSCPRaMIxvdGshWO9l',
      ciphertext: 'SWuVsqZTRYkzVfW44TV5vDgI6rNHrZs5Z+lLxif8s/DUUuJLdh05HgmM4YqIdl/iH2F5LjO3zA==',
    };
    const keyring = parseKeyring(`k1:${Buffer.alloc(32, 7).toString('base64')}`);
    const ids = ['0192f3a4-0000-7000-8000-000000000001', '0192f3a4-0000-7000-8000-000000000002'];
    expect(openSecret(keyring, sealedThen, { table: 'cloud_credentials', ids })).toEqual({ client_secret: 'sealed-before-the-vault-took-tables' });
  });

  it('refuses a shortened tag, which GCM alone would accept', () => {
    const keyring = parseKeyring(k1);
    const sealed = sealSecret(keyring, payload, context);
    expect(vaultError(() => openSecret(keyring, { ...sealed, tag: bytes(sealed.tag).subarray(0, 4).toString('base64') }, context))).toBe(
      'secret is malformed: tag must be 16 bytes in base64',
    );
  });

  it('explains a secret it cannot use', () => {
    const keyring = parseKeyring(k1);
    const sealed = sealSecret(keyring, payload, context);
    expect(vaultError(() => openSecret(keyring, { ...sealed, alg: 'A128CBC' }, context))).toBe('secret uses the algorithm A128CBC, not A256GCM+A256GCMKW');
    expect(vaultError(() => openSecret(keyring, { ...sealed, iv: undefined } as unknown as EncryptedSecret, context))).toBe(
      'secret is malformed: iv must be 12 bytes in base64',
    );
    expect(vaultError(() => openSecret(keyring, sealed, { ...context, ids: [context.ids[0]!, ''] }))).toMatch(/non-empty ids without ":"/);
    expect(vaultError(() => openSecret(keyring, sealed, { ...context, ids: [`${context.ids[0]}:${context.ids[1]}`] }))).toMatch(/without ":"/);
    expect(vaultError(() => sealSecret(keyring, payload, { ...context, ids: [] }))).toMatch(/one or more/);
    expect(vaultError(() => sealSecret(keyring, payload, { ...context, table: 'cloud credentials' }))).toMatch(/table name/);
    expect(vaultError(() => sealSecret(keyring, undefined, context))).toBe('the payload cannot be written as JSON');
    expect(vaultError(() => sealSecret(keyring, { big: 1n }, context))).toBe('the payload cannot be written as JSON');
  });
});

describe('rewrapSecret', () => {
  it('rotates: re-wraps only the data key under the new active key, which then opens it alone', () => {
    const sealed = sealSecret(parseKeyring(k1), payload, context);
    const rotated = rewrapSecret(parseKeyring(`${k2},${k1}`), { ...sealed, note: 'not stored' } as EncryptedSecret);

    expect(rotated).toEqual({ ...sealed, kid: 'k2', wrapped_key: expect.any(String) });
    expect(rotated.wrapped_key).not.toBe(sealed.wrapped_key);
    expect(openSecret(parseKeyring(k2), rotated, context)).toEqual(payload);
    expect(rewrapSecret(parseKeyring(k2), rotated)).toBe(rotated);
  });

  it('names the key to add back when a secret is under a key the keyring lacks', () => {
    const sealed = sealSecret(parseKeyring(k1), payload, context);
    const message = 'a secret was sealed with key k1, which is not in CREDENTIALS_KEYS; add it back to decrypt';
    expect(vaultError(() => openSecret(parseKeyring(k2), sealed, context))).toBe(message);
    expect(vaultError(() => rewrapSecret(parseKeyring(k2), sealed))).toBe(message);
    // Another key given the old kid: the wrap says so rather than handing out garbage.
    expect(vaultError(() => rewrapSecret(parseKeyring(`k3:${generateKey()},k1:${key2}`), sealed))).toMatch(/k1 in CREDENTIALS_KEYS is not the key it was sealed with/);
  });
});

describe('keyring', () => {
  it('takes the first key as the active one and never shows key material', () => {
    const keyring = credentialsKeys.parse(` ${k2} , ${k1} `);
    expect(keyring.active).toBe('k2');
    expect(keyring.kids).toEqual(['k2', 'k1']);
    for (const shown of [JSON.stringify(keyring), inspect(keyring, { depth: 5, showHidden: true }), JSON.stringify({ config: keyring })]) {
      expect(shown).not.toContain(key1);
      expect(shown).not.toContain(key2);
      expect(shown).not.toContain(bytes(key2).toString('hex'));
    }
  });

  it('explains a bad CREDENTIALS_KEYS without quoting a key', () => {
    const issue = (value: string | undefined) => credentialsKeys.safeParse(value).error?.issues[0]?.message;
    expect(issue(undefined)).toMatch(/give kid:<base64 of 32 bytes>/);
    expect(issue('')).toMatch(/at least one key/);
    expect(issue(' , ')).toMatch(/at least one key/);
    expect(issue('k1:c2hvcnQ=')).toBe('key k1 must be 32 bytes (44 base64 characters), not 5');
    expect(issue(`k1:${key1.slice(0, -2)}!=`)).toBe('key k1 is not valid base64');
    expect(issue(`k1:${key1.slice(1)}`)).toBe('key k1 is not valid base64');
    expect(issue(`${k1},k1:${key2}`)).toBe('key id k1 appears twice');
    expect(issue(key1)).toBe('each key is <kid>:<base64>; an entry has no kid');
    expect(issue(`k 1:${key1}`)).toMatch(/a key id is 1 to 64 letters/);
    for (const value of [key1, `k 1:${key1}`, `k1:${key1.slice(1)}`]) expect(issue(value)).not.toContain(key1.slice(1, -1));
  });

  it('generates keys of 32 random bytes', () => {
    const [a, b] = [generateKey(), generateKey()];
    expect(bytes(a)).toHaveLength(32);
    expect(a).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
  });
});
