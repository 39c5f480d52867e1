import { describe, expect, it } from 'vitest';
import { idleLoadBalancer } from './idle-load-balancer.rule.ts';
import { context, resource } from './test-support.ts';

describe('idle_load_balancer', () => {
  it('deletes a load balancer under 100 requests a day over 7 days or more', () => {
    const finding = idleLoadBalancer.evaluate(resource('load_balancer', { utilization: { requests_per_day: 99, window_days: 7 } }), context());
    // 0.0225 $/h * 730 h.
    expect(finding).toMatchObject({ action: { type: 'delete' }, savings: { monthly: 16.43, basis: 'list_price' }, priority: 1 });
  });

  it.each([
    ['100 requests a day', { requests_per_day: 100 }],
    ['a window of 6 days', { requests_per_day: 3, window_days: 6 }],
  ])('leaves alone %s', (_case, utilization) => {
    expect(idleLoadBalancer.evaluate(resource('load_balancer', { utilization }), context())).toBeNull();
  });
});
