import { describe, expect, it } from 'vitest';
import { stoppedVmStorage } from './stopped-vm-storage.rule.ts';
import { context, resource } from './test-support.ts';

const stoppedAllWindow = { window_days: 30, cpu_p95: 0, cpu_avg: 0, network_bytes_per_day: 0 };

describe('stopped_vm_storage', () => {
  it('snapshots and deletes a VM stopped the whole 30-day window, saving what it still pays', () => {
    const finding = stoppedVmStorage.evaluate(resource('vm', { state: 'stopped', utilization: stoppedAllWindow }), context({ monthly: 1.6 }));
    expect(finding).toMatchObject({ action: { type: 'delete', parameters: { snapshot_first: true } }, savings: { monthly: 1.6, basis: 'effective_cost' } });
  });

  it.each([
    ['a running VM', resource('vm', { utilization: stoppedAllWindow })],
    ['a VM that ran during the window', resource('vm', { state: 'deallocated', utilization: { ...stoppedAllWindow, cpu_p95: 12 } })],
    ['a window of 14 days', resource('vm', { state: 'stopped', utilization: { ...stoppedAllWindow, window_days: 14 } })],
  ])('leaves alone %s', (_case, candidate) => {
    expect(stoppedVmStorage.evaluate(candidate, context({ monthly: 1.6 }))).toBeNull();
  });
});
