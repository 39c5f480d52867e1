import { describe, expect, it } from 'vitest';
import { context, resource } from './test-support.ts';
import { unattachedDisk } from './unattached-disk.rule.ts';

describe('unattached_disk', () => {
  it('snapshots and deletes a disk detached for 15 days or more, saving all it costs', () => {
    const finding = unattachedDisk.evaluate(resource('disk', { utilization: { idle_days: 15 } }), context());
    expect(finding).toMatchObject({ action: { type: 'delete', parameters: { snapshot_first: true } }, savings: { monthly: 8, currency: 'USD', basis: 'list_price' }, reversible: true });
    expect(unattachedDisk.evaluate(resource('disk'), context({ monthly: 7.25 }))?.savings).toEqual({ monthly: 7.25, currency: 'USD', basis: 'effective_cost' });
  });

  it('counts from creation where the provider does not tell when it was last attached', () => {
    const disk = resource('disk', { metadata: { utilization: undefined, created_at: '2026-06-01T00:00:00.000Z' } });
    expect(unattachedDisk.evaluate(disk, context())).toBeNull();
    expect(unattachedDisk.evaluate({ ...disk, metadata: { ...disk.metadata, created_at: '2026-05-31T00:00:00.000Z' } }, context())).not.toBeNull();
  });

  it.each([
    ['an attached disk', resource('disk', { metadata: { attached_to: 'i-0abc' } })],
    ['a disk detached 14 days ago', resource('disk', { utilization: { idle_days: 14 } })],
    ['a snapshot', resource('snapshot', { metadata: { attached_to: null } })],
  ])('leaves alone %s', (_case, candidate) => {
    expect(unattachedDisk.evaluate(candidate, context())).toBeNull();
  });
});
