import { describe, expect, it } from 'vitest';
import { decimalText, isoTime } from './format.ts';
import { fmix32, hex8, Rng, unfmix32, weighted } from './random.ts';

describe('sim randomness and formats', () => {
  it('inverts the token hash, so ids lead back to their index', () => {
    for (const value of [0, 1, 2, 255, 65_535, 99_999, 2 ** 31, 2 ** 32 - 1, 0xdeadbeef]) {
      expect(unfmix32(fmix32(value))).toBe(value);
    }
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(fmix32(i));
    expect(seen.size).toBe(100_000);
  });

  it('formats hex like Number#toString(16)', () => {
    for (const value of [0, 1, 0xabc, 0x80000000, 0xffffffff, 0x0f0f0f0f]) expect(hex8(value)).toBe(value.toString(16).padStart(8, '0'));
  });

  it('draws weighted choices in proportion', () => {
    const rng = new Rng(7);
    const table = weighted([
      ['a', 1],
      ['b', 3],
    ]);
    let b = 0;
    for (let i = 0; i < 20_000; i++) if (rng.weighted(table) === 'b') b++;
    expect(b / 20_000).toBeCloseTo(0.75, 1);
    const [x, y] = [new Rng(11), new Rng(11)];
    expect(Array.from({ length: 5 }, () => x.uint32())).toEqual(Array.from({ length: 5 }, () => y.uint32()));
  });

  it('formats decimals without a float tail, and timestamps like Date#toISOString', () => {
    expect(decimalText(0.1 + 0.2, 10)).toBe('0.3');
    expect(decimalText(24 * 0.0225, 10)).toBe('0.54');
    expect(decimalText(2, 6)).toBe('2');
    expect(decimalText(0.0000000001, 10)).toBe('0.0000000001');
    expect(decimalText(1234.5, 10)).toBe('1234.5');
    for (const ms of [0, 1, 999, 86_399_999, Date.UTC(2024, 1, 29, 23, 59, 59, 7), Date.UTC(2026, 5, 15, 12), 4_102_444_800_000]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
