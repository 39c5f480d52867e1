import { describe, expect, it } from 'vitest';
import { canonicalDecimal, canonicalTimestamp, parseTags } from './normalize.ts';

describe('canonicalDecimal', () => {
  it.each([
    ['1.2300', '1.23'],
    ['1e-3', '0.001'],
    ['-0', '0'],
    ['-0.000', '0'],
    ['-0.50', '-0.5'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['+5', '5'],
    [' 7 ', '7'],
    ['007.0100', '7.01'],
    ['12E2', '1200'],
    ['1.5e+1', '15'],
    ['-1.25E-2', '-0.0125'],
    ['123.456e1', '1234.56'],
    ['0.0001234e4', '1.234'],
    ['0e10', '0'],
    // Past a double's 17 digits, nothing is rounded.
    ['12345678901234567890.123456789012345678', '12345678901234567890.123456789012345678'],
    ['0.1000000000000000055511151231257827', '0.1000000000000000055511151231257827'],
  ])('%j -> %j', (input, output) => expect(canonicalDecimal(input)).toBe(output));

  it.each(['', ' ', '.', '-', '+-1', '1,5', '1.2.3', '1 000', 'ten', 'Infinity', 'NaN', '0x1A', '1e', '1e+', 'e5', '1e5.5', '1e401', '1e99999'])(
    'refuses %j',
    (input) => expect(canonicalDecimal(input)).toBeUndefined(),
  );
});

describe('canonicalTimestamp', () => {
  it.each([
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T00:00:00Z', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01 05:30:00', '2026-11-01T05:30:00.000Z'],
    ['2026-11-01T05:30', '2026-11-01T05:30:00.000Z'],
    ['2026-11-01 05:30:00 UTC', '2026-11-01T05:30:00.000Z'],
    ['2026-11-01T05:30:00.123456Z', '2026-11-01T05:30:00.123Z'],
    ['2026-11-01T05:30:00.29Z', '2026-11-01T05:30:00.290Z'],
    ['2026-11-01T05:30:00.5Z', '2026-11-01T05:30:00.500Z'],
    ['2026-11-01T05:00:00+02:00', '2026-11-01T03:00:00.000Z'],
    ['2026-11-01T05:00:00-0130', '2026-11-01T06:30:00.000Z'],
    ['2026-11-01T23:00:00-05', '2026-11-02T04:00:00.000Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
  ])('%j -> %j', (input, output) => expect(canonicalTimestamp(input)).toBe(output));

  it.each(['2026-13-01', '2026-02-29', '2026-04-31', '2026-11-01T24:00:00Z', '2026-11-01T10:60:00Z', '2026-11-01T10:00:00+25:00', '26-11-01', '0099-01-01', 'yesterday', '1730419200'])(
    'refuses %j',
    (input) => expect(canonicalTimestamp(input)).toBeUndefined(),
  );
});

describe('parseTags', () => {
  it('keeps string values, writes others as JSON and leaves out null ones', () => {
    expect(parseTags('{"env":"prod","size":3,"critical":true,"owner":null,"meta":{"a":[1]}}')).toEqual({
      env: 'prod',
      size: '3',
      critical: 'true',
      meta: '{"a":[1]}',
    });
  });

  it('keeps a __proto__ tag as a tag', () => {
    const tags = parseTags('{"__proto__":"x"}') as Record<string, string>;
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(Object.entries(tags)).toEqual([['__proto__', 'x']]);
  });

  it.each([
    ['{"a":', 'is not valid JSON'],
    ['["a"]', 'is not a JSON object'],
    ['"a"', 'is not a JSON object'],
    ['null', 'is not a JSON object'],
  ])('refuses %j: %s', (input, reason) => expect(parseTags(input)).toBe(reason));
});
