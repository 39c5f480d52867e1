import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSigningSecret, signatureHeader } from './webhook-signature.ts';

const secret = 'whsec_test';
const body = '{"id":"0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d","type":"budget.threshold_crossed"}';

describe('signatureHeader', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"> keyed by the secret', () => {
    // Computed independently: printf '%s' '1767225600.<body>' | openssl dgst -sha256 -hmac whsec_test
    expect(signatureHeader(secret, body, 1_767_225_600)).toBe(
      't=1767225600,v1=5395c024e1ad2a0ac37515662ffb9c5af7b034b8735d52f12c06d6ab25d4d7a0',
    );
  });

  it('matches what a receiver computes from the header, the body and its copy of the secret', () => {
    const header = signatureHeader(secret, body, 1_767_225_600);
    const { t, v1 } = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
    expect(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')).toBe(v1);
  });

  it('changes with the body, the time and the secret', () => {
    const signed = signatureHeader(secret, body, 1_767_225_600);
    expect(signatureHeader(secret, `${body} `, 1_767_225_600)).not.toBe(signed);
    expect(signatureHeader(secret, body, 1_767_225_601).split(',')[1]).not.toBe(signed.split(',')[1]);
    expect(signatureHeader('whsec_other', body, 1_767_225_600)).not.toBe(signed);
  });
});

describe('generateSigningSecret', () => {
  it('makes a different 32-byte secret each time', () => {
    const [a, b] = [generateSigningSecret(), generateSigningSecret()];
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});
