import { describe, expect, it } from 'vitest';
import { previousGeneration } from './previous-generation.rule.ts';
import { context, resource } from './test-support.ts';

describe('previous_generation', () => {
  it('moves a gp2 volume to gp3, saving the price difference', () => {
    const finding = previousGeneration.evaluate(resource('disk', { metadata: { volume_type: 'gp2', attached_to: 'i-1', list_price_gb_month: '0.1' } }), context());
    // 100 GB at 0.10 -> 0.08.
    expect(finding).toMatchObject({ action: { type: 'scale', parameters: { size: 'gp3' } }, savings: { monthly: 2, basis: 'list_price' }, restart_needed: false });
  });

  it('saves the same share of the effective cost', () => {
    const finding = previousGeneration.evaluate(resource('disk', { metadata: { volume_type: 'gp2', attached_to: 'i-1' } }), context({ monthly: 50 }));
    expect(finding?.savings).toEqual({ monthly: 10, currency: 'USD', basis: 'effective_cost' });
  });

  it.each([
    ['a current class', resource('disk', { metadata: { volume_type: 'gp3' } })],
    ['a successor at the same price (m5 -> m6i is not listed)', resource('vm')],
    ['a type the price list does not know', resource('vm', { metadata: { instance_type: 'm4.large' } })],
    ['a region the price list does not know', resource('disk', { region: 'mars-1', metadata: { volume_type: 'gp2' } })],
  ])('leaves alone %s', (_case, candidate) => {
    expect(previousGeneration.evaluate(candidate, context())).toBeNull();
  });
});
