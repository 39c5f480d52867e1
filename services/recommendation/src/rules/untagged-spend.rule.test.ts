import { describe, expect, it } from 'vitest';
import { untaggedSpend, type AccountSpend } from './untagged-spend.rule.ts';

const spend = (untagged: number): AccountSpend => ({
  cloud_account_id: '00000000-0000-4000-8000-0000000000aa',
  provider: 'AWS',
  currency: 'USD',
  monthly: 1000,
  untagged_monthly: untagged,
  untagged_resources: 3,
  top: [{ resource_id: '00000000-0000-4000-8000-000000000001', name: 'web-1', monthly: untagged }],
});

describe('untagged_spend', () => {
  it('asks for tags when more than 10 % of the account\'s spend is untagged, with no savings and no action', () => {
    const finding = untaggedSpend.evaluate(spend(100.01));
    expect(finding).toMatchObject({ savings: null, action: null, priority: 2, evidence: { share: 0.1, untagged_resources: 3 } });
    expect(finding?.title).toContain('10%');
  });

  it('is quiet at 10 % or under, and for an account with no spend', () => {
    expect(untaggedSpend.evaluate(spend(100))).toBeNull();
    expect(untaggedSpend.evaluate({ ...spend(0), monthly: 0 })).toBeNull();
  });
});
