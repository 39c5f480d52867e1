import { describe, expect, it } from 'vitest';
import { generateToken, hashToken, isWellFormedToken } from './token.ts';

describe('tokens', () => {
  it('are stratus_ and 32 random bytes, with a display prefix and their sha256', () => {
    const first = generateToken();
    const second = generateToken();

    expect(first.token).toMatch(/^stratus_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(first.token.slice('stratus_'.length), 'base64url')).toHaveLength(32);
    expect(first.token).not.toBe(second.token);
    expect(first.prefix).toBe(first.token.slice(0, 12));
    expect(first.hash.toString('hex')).toBe(hashToken(first.token).toString('hex'));
    expect(first.hash).toHaveLength(32);
  });

  it('recognise only their own shape', () => {
    expect(isWellFormedToken(generateToken().token)).toBe(true);
    expect(isWellFormedToken('stratus_short')).toBe(false);
    expect(isWellFormedToken(`other_${generateToken().token.slice(8)}`)).toBe(false);
  });
});
