import { describe, expect, it } from 'vitest';
import { OFF_HOURS, offHours } from './off-hours.rule.ts';
import { context, resource } from './test-support.ts';

describe('off_hours', () => {
  it('tags a running dev VM with the off-hours schedule, saving the 108 of 168 hours it would be off', () => {
    const finding = offHours.evaluate(resource('vm', { tags: { env: 'dev' } }), context());
    expect(finding).toMatchObject({ action: { type: 'tag', parameters: { tags: { [OFF_HOURS.tag]: OFF_HOURS.schedule } } }, savings: { monthly: 90.1, basis: 'list_price' } });
  });

  it.each([
    ['a production VM', resource('vm', { tags: { env: 'prod' } })],
    ['an untagged VM', resource('vm', { tags: {} })],
    ['a VM already scheduled', resource('vm', { tags: { env: 'dev', [OFF_HOURS.tag]: 'off=(M-F,20)' } })],
    ['an idle VM (idle_vm stops it for good)', resource('vm', { tags: { env: 'dev' }, utilization: { cpu_p95: 3 } })],
    ['a stopped VM', resource('vm', { tags: { env: 'dev' }, state: 'stopped' })],
  ])('leaves alone %s', (_case, candidate) => {
    expect(offHours.evaluate(candidate, context())).toBeNull();
  });
});
