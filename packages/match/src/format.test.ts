import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMatch, parseMatch } from './index.ts';
import { matchExpression } from './test-support.ts';

describe('formatMatch', () => {
  it('prints every tree as text that parses back to the same tree', () => {
    fc.assert(
      fc.property(matchExpression, (tree) => {
        expect(parseMatch(formatMatch(tree))).toEqual(tree);
      }),
      { numRuns: 2000 },
    );
  });
});
