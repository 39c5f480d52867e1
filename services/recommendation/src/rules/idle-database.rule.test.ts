import { describe, expect, it } from 'vitest';
import { idleDatabase } from './idle-database.rule.ts';
import { context, resource } from './test-support.ts';

describe('idle_database', () => {
  it('stops a running database at or under 10 % CPU p95 and under 100 requests a day; its storage stays billed', () => {
    const finding = idleDatabase.evaluate(resource('database', { utilization: { cpu_p95: 3, requests_per_day: 12 } }), context());
    // db.m6g.large: 0.152 $/h * 730 h.
    expect(finding).toMatchObject({ action: { type: 'stop' }, savings: { monthly: 110.96, basis: 'list_price' }, priority: 3 });
    // 100 GB of gp3 at 0.08 stays.
    expect(idleDatabase.evaluate(resource('database', { utilization: { cpu_p95: 3, requests_per_day: 12 } }), context({ monthly: 58 }))?.savings?.monthly).toBe(50);
  });

  it.each([
    ['a busy CPU', { cpu_p95: 11, requests_per_day: 12 }],
    ['100 requests a day', { cpu_p95: 3, requests_per_day: 100 }],
  ])('leaves alone %s', (_case, utilization) => {
    expect(idleDatabase.evaluate(resource('database', { utilization }), context())).toBeNull();
  });

  it('leaves alone a stopped database', () => {
    expect(idleDatabase.evaluate(resource('database', { state: 'stopped', utilization: { cpu_p95: 0, requests_per_day: 0 } }), context())).toBeNull();
  });
});
