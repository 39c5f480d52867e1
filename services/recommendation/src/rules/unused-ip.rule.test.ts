import { describe, expect, it } from 'vitest';
import { context, resource } from './test-support.ts';
import { unusedIp } from './unused-ip.rule.ts';

describe('unused_ip', () => {
  it('releases an address associated with nothing for 15 days', () => {
    // 0.005 $/h * 730 h.
    expect(unusedIp.evaluate(resource('ip_address', { utilization: { idle_days: 15 } }), context())).toMatchObject({ action: { type: 'delete' }, savings: { monthly: 3.65, basis: 'list_price' } });
  });

  it.each([
    ['an associated address', resource('ip_address', { metadata: { attached_to: 'i-1' } })],
    ['an address free for 14 days', resource('ip_address', { utilization: { idle_days: 14 } })],
  ])('leaves alone %s', (_case, candidate) => {
    expect(unusedIp.evaluate(candidate, context())).toBeNull();
  });
});
