import { describe, expect, it } from 'vitest';
import { loadConfig } from '@stratus/config';
import { generateKey } from '@stratus/vault';
import { env } from './config.ts';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/stratus', KAFKA_BROKERS: '127.0.0.1:9092', CREDENTIALS_KEYS: `k1:${generateKey()}` };

describe('the audit configuration', () => {
  it('runs without SMTP, also when the variables are set empty', () => {
    for (const unset of [base, { ...base, SMTP_URL: '', SMTP_FROM: '' }]) {
      const config = loadConfig(env, unset);
      expect(config.SMTP_URL).toBeUndefined();
      expect(config.SMTP_FROM).toBeUndefined();
    }
  });

  it('takes an SMTP server with the From of its emails', () => {
    const config = loadConfig(env, { ...base, SMTP_URL: 'smtps://alerts:pw@smtp.example.com:465', SMTP_FROM: 'Stratus <alerts@example.com>' });
    expect(config).toMatchObject({ SMTP_URL: 'smtps://alerts:pw@smtp.example.com:465', SMTP_FROM: 'Stratus <alerts@example.com>' });
  });

  it('needs CREDENTIALS_KEYS, which seal the webhook signing secrets, and says how to make one', () => {
    const { CREDENTIALS_KEYS, ...withoutKeys } = base;
    expect(loadConfig(env, base).CREDENTIALS_KEYS.active).toBe('k1');
    expect(() => loadConfig(env, withoutKeys)).toThrow(
      'CREDENTIALS_KEYS is not set: give kid:<base64 of 32 bytes>, e.g. from `scripts/stratus credentials generate-key`',
    );
    expect(() => loadConfig(env, { ...base, CREDENTIALS_KEYS: 'k1:c2hvcnQ=' })).toThrow('CREDENTIALS_KEYS is invalid: key k1 must be 32 bytes');
  });

  it('keeps webhooks to https and public addresses unless WEBHOOK_ALLOW_PRIVATE_NETWORKS is true', () => {
    expect(loadConfig(env, base).WEBHOOK_ALLOW_PRIVATE_NETWORKS).toBe(false);
    expect(loadConfig(env, { ...base, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' }).WEBHOOK_ALLOW_PRIVATE_NETWORKS).toBe(false);
    expect(loadConfig(env, { ...base, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }).WEBHOOK_ALLOW_PRIVATE_NETWORKS).toBe(true);
    expect(() => loadConfig(env, { ...base, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes' })).toThrow('WEBHOOK_ALLOW_PRIVATE_NETWORKS is invalid');
  });

  it('names what is wrong with the SMTP variables', () => {
    expect(() => loadConfig(env, { ...base, SMTP_URL: 'smtp://smtp.example.com:587' })).toThrow(
      'SMTP_FROM is not set: required when SMTP_URL is set',
    );
    expect(() => loadConfig(env, { ...base, SMTP_URL: 'https://smtp.example.com', SMTP_FROM: 'a@b.c' })).toThrow(
      'SMTP_URL is invalid: must be an smtp:// or smtps:// URL',
    );
  });
});
