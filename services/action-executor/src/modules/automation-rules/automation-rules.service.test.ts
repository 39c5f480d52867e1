import { describe, expect, it } from 'vitest';
import { AppError } from '@stratus/http';
import { checkRule, ruleIdOfScheduler, schedulerIdOf } from './automation-rules.service.ts';

const rule = { match: 'env=dev AND type=vm', action: 'stop' as const, parameters: {}, cron: '0 19 * * 1-5', timezone: 'Europe/Paris' };

function problem(changes: Partial<typeof rule> | { action: 'scale' }): AppError {
  try {
    checkRule({ ...rule, ...changes });
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('checkRule', () => {
  it('accepts a rule that can run', () => {
    expect(() => checkRule(rule)).not.toThrow();
  });

  it('names the field at fault, with the position of a match error', () => {
    expect(problem({ match: 'env=dev AND' })).toMatchObject({
      kind: 'invalid',
      message: "body.match: at 11: expected a condition (a field, a tag key, 'tag:<key>', NOT or '('), found end of input",
      details: { field: 'body.match', offset: 11, line: 1, column: 12 },
    });
    expect(problem({ action: 'scale' }).message).toBe('body.parameters.size: Invalid input (for action scale)');
    expect(problem({ cron: '61 * * * *' }).message).toMatch(/^body\.cron: invalid cron pattern "61 \* \* \* \*"/);
    expect(problem({ timezone: 'Europe/Pariss' }).message).toMatch(/^body\.timezone: unknown time zone "Europe\/Pariss"/);
  });
});

describe('scheduler ids', () => {
  it("are the rule's id behind a prefix, and other schedulers of the queue are not rules'", () => {
    const id = '0192f3a4-5b6c-7d8e-9f00-112233445566';
    expect(ruleIdOfScheduler(schedulerIdOf(id))).toBe(id);
    expect(ruleIdOfScheduler(`workflow-${id}`)).toBeUndefined();
    expect(ruleIdOfScheduler('approvals-expire')).toBeUndefined();
  });
});
