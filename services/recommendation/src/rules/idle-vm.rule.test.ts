import { describe, expect, it } from 'vitest';
import { idleVm } from './idle-vm.rule.ts';
import { context, resource } from './test-support.ts';

const idle = { cpu_p95: 4.2, cpu_avg: 1.5, network_bytes_per_day: 200_000 };

describe('idle_vm', () => {
  it('stops a running VM at or under 5 % CPU p95 and 5 MB a day, saving its compute list price without a cost line', () => {
    const finding = idleVm.evaluate(resource('vm', { utilization: idle }), context());
    // m5.xlarge in us-east-1: 0.192 $/h * 730 h; the 20 GB gp3 boot disk stays billed.
    expect(finding).toMatchObject({ savings: { monthly: 140.16, currency: 'USD', basis: 'list_price' }, priority: 3, action: { type: 'stop', parameters: {} }, restart_needed: true, reversible: true });
    expect(finding?.evidence).toMatchObject({ window_days: 30, cpu_p95: 4.2 });
  });

  it('saves its effective cost less the storage that stays billed, in the cost lines\' currency', () => {
    const finding = idleVm.evaluate(resource('vm', { utilization: idle }), context({ monthly: 81.6, currency: 'EUR' }));
    // 20 GB of gp3 at 0.08 = 1.60 a month stays.
    expect(finding?.savings).toEqual({ monthly: 80, currency: 'EUR', basis: 'effective_cost' });
    expect(finding?.priority).toBe(2);
  });

  it.each([
    ['CPU p95 above 5 %', resource('vm', { utilization: { ...idle, cpu_p95: 5.1 } })],
    ['network above 5 MB a day', resource('vm', { utilization: { ...idle, network_bytes_per_day: 6_000_000 } })],
    ['a window under 14 days', resource('vm', { utilization: { ...idle, window_days: 10 } })],
    ['a stopped VM', resource('vm', { state: 'stopped', utilization: idle })],
    ['no utilisation', resource('vm', { metadata: { utilization: undefined } })],
    ['a database', resource('database', { utilization: idle })],
  ])('leaves alone %s', (_case, candidate) => {
    expect(idleVm.evaluate(candidate, context())).toBeNull();
  });

  it('fires at exactly 5 %', () => {
    expect(idleVm.evaluate(resource('vm', { utilization: { ...idle, cpu_p95: 5 } }), context())).not.toBeNull();
  });
});
