import { describe, expect, it } from 'vitest';
import { InvalidJobPayloadError, JOBS, QUEUE_NAMES, parsePayload } from './catalogue.ts';

const id = '0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d';

describe('job catalogue', () => {
  it('puts every job on a declared queue, under its own name', () => {
    for (const [name, job] of Object.entries(JOBS)) {
      expect(job.name).toBe(name);
      expect(QUEUE_NAMES).toContain(job.queue);
      expect(job.attempts).toBeGreaterThanOrEqual(1);
    }
  });

  it('keeps the persisted queue names', () => {
    expect(QUEUE_NAMES).toEqual(['operations', 'automation', 'discovery', 'notifications', 'recommendations', 'reports']);
    expect(JOBS['operation.execute'].queue).toBe('operations');
    expect(JOBS['automation.rule.run'].queue).toBe('automation');
    expect(JOBS['account.sync'].queue).toBe('discovery');
    expect(JOBS['account.costs.import'].queue).toBe('discovery');
    expect(JOBS['notification.deliver'].queue).toBe('notifications');
    expect(JOBS['recommendations.evaluate'].queue).toBe('recommendations');
  });

  it('parses a payload, with optional fields absent', () => {
    expect(parsePayload('automation.rule.run', { rule_id: id, organization_id: id })).toEqual({
      rule_id: id,
      organization_id: id,
    });
  });

  it('names the job and every failing field of a bad payload', () => {
    expect(() => parsePayload('automation.rule.run', { rule_id: 'x', organization_id: id, scheduled_for: 'soon' })).toThrow(
      InvalidJobPayloadError,
    );
    expect(() => parsePayload('automation.rule.run', { rule_id: 'x', organization_id: id, scheduled_for: 'soon' })).toThrow(
      /automation\.rule\.run: rule_id: .*; scheduled_for: /,
    );
  });
});
