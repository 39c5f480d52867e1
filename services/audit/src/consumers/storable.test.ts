import { describe, expect, it } from 'vitest';
import { storable, storableDetails } from './storable.ts';

describe('storable', () => {
  it('escapes NUL and lone surrogates, in values and keys, and says so', () => {
    expect(storable({ name: 'a\u0000b', ['k\uD800']: ['x\uDC00y'] })).toEqual({
      value: { name: 'a\\u0000b', 'k\\ud800': ['x\\udc00y'] },
      escaped: true,
    });
  });

  it('leaves surrogate pairs and everything else as it is', () => {
    const value = { name: 'Prod 😀 ✓', nested: [{ n: 1, ok: true, none: null }] };
    expect(storable(value)).toEqual({ value, escaped: false });
  });

  it('marks details that were escaped', () => {
    expect(storableDetails({ name: '\uD83D' })).toEqual({ name: '\\ud83d', escaped: true });
    expect(storableDetails({ name: 'fine' })).toEqual({ name: 'fine' });
  });
});
