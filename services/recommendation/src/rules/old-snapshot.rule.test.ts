import { describe, expect, it } from 'vitest';
import { oldSnapshot } from './old-snapshot.rule.ts';
import { context, resource } from './test-support.ts';

describe('old_snapshot', () => {
  it('deletes a snapshot of 90 days or more, saving all it costs', () => {
    // 2026-03-17 is 90 days before NOW.
    const finding = oldSnapshot.evaluate(resource('snapshot', { metadata: { created_at: '2026-03-17T00:00:00.000Z' } }), context());
    expect(finding).toMatchObject({ action: { type: 'delete' }, savings: { monthly: 10, basis: 'list_price' }, reversible: false, evidence: { age_days: 90 } });
    expect(oldSnapshot.evaluate(resource('snapshot'), context({ monthly: 3.3 }))?.savings).toEqual({ monthly: 3.3, currency: 'USD', basis: 'effective_cost' });
  });

  it.each([
    ['a snapshot of 89 days', resource('snapshot', { metadata: { created_at: '2026-03-18T00:00:00.000Z' } })],
    ['a snapshot without a creation time', resource('snapshot', { metadata: { created_at: undefined } })],
    ['an old disk', resource('disk', { metadata: { attached_to: 'i-1' } })],
  ])('leaves alone %s', (_case, candidate) => {
    expect(oldSnapshot.evaluate(candidate, context())).toBeNull();
  });
});
