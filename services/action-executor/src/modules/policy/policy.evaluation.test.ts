import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_TYPES } from '@stratus/db';
import { evaluatePolicy, type PolicyFacts } from './policy.evaluation.ts';
import { DEFAULT_APPROVAL, DEFAULT_POLICY, policyDocument, type PolicyDocument } from './policy.schema.ts';

const NOW = new Date('2026-12-04T12:00:00Z');
const HOUR = 3_600_000;
const ACCOUNT = '00000000-0000-4000-8000-00000000000a';
const OTHER_ACCOUNT = '00000000-0000-4000-8000-00000000000b';

function facts(overrides: Partial<PolicyFacts> = {}): PolicyFacts {
  return {
    action_type: 'stop',
    requires_approval: false,
    resources: [{ id: 'r1', cloud_account_id: ACCOUNT, tags: { env: 'dev' }, cost_monthly: '50.00' }],
    account_sizes: { [ACCOUNT]: 10 },
    estimated_savings: null,
    ...overrides,
  };
}

const policy = (rules: unknown[], approval?: unknown): PolicyDocument => policyDocument.parse({ rules, ...(approval ? { approval } : {}) });

describe('the default policy', () => {
  it('asks approval to delete (quorum 1, 72 h, admins) and lets a stop run', () => {
    expect(evaluatePolicy(DEFAULT_POLICY, facts({ action_type: 'delete' }), NOW)).toEqual({
      outcome: 'require_approval',
      reasons: ['approval required by rule "deleting needs approval"'],
      quorum: 1,
      expires_at: new Date(NOW.getTime() + 72 * HOUR),
      approver_role: 'admin',
    });
    expect(evaluatePolicy(DEFAULT_POLICY, facts(), NOW).outcome).toBe('allow');
  });

  it("honours the requester's own ask", () => {
    const decision = evaluatePolicy(DEFAULT_POLICY, facts({ requires_approval: true }), NOW);
    expect(decision).toMatchObject({ outcome: 'require_approval', reasons: ['the requester asked for approval'], quorum: 1 });
  });
});

describe('conditions', () => {
  const asks = (when: unknown, overrides: Partial<PolicyFacts> = {}) =>
    evaluatePolicy(policy([{ name: 'r', effect: 'require_approval', when }]), facts(overrides), NOW).outcome === 'require_approval';

  it('by tags: every listed tag on one resource', () => {
    expect(asks({ tags: { env: 'prod' } })).toBe(false);
    expect(asks({ tags: { env: 'prod' } }, { resources: [{ id: 'r', cloud_account_id: ACCOUNT, tags: { env: 'prod' }, cost_monthly: '1' }] })).toBe(true);
    expect(asks({ tags: { env: 'dev', team: 'x' } })).toBe(false);
  });

  it('by account', () => {
    expect(asks({ cloud_account_ids: [ACCOUNT] })).toBe(true);
    expect(asks({ cloud_account_ids: [OTHER_ACCOUNT] })).toBe(false);
  });

  it('by resource group', () => {
    const grouped = { resources: [{ id: 'r1', cloud_account_id: ACCOUNT, tags: {}, cost_monthly: '50.00', resource_groups: ['web tier'] }] };
    expect(asks({ resource_groups: ['web tier', 'db tier'] }, grouped)).toBe(true);
    expect(asks({ resource_groups: ['db tier'] }, grouped)).toBe(false);
    expect(asks({ resource_groups: ['web tier'] })).toBe(false);
  });

  it('by monthly cost affected and estimated savings (at least the amount)', () => {
    expect(asks({ min_monthly_cost: '50' })).toBe(true);
    expect(asks({ min_monthly_cost: '50.01' })).toBe(false);
    expect(asks({ min_estimated_savings: '100' })).toBe(false);
    expect(asks({ min_estimated_savings: '100' }, { estimated_savings: '140.16' })).toBe(true);
  });

  it('by blast radius: more than N resources, more than P% of an account', () => {
    const three = ['a', 'b', 'c'].map((id) => ({ id, cloud_account_id: ACCOUNT, tags: {}, cost_monthly: '0' }));
    expect(asks({ max_resources: 2 }, { resources: three })).toBe(true);
    expect(asks({ max_resources: 3 }, { resources: three })).toBe(false);
    expect(asks({ max_resources_percent: 25 }, { resources: three })).toBe(true); // 3 of 10
    expect(asks({ max_resources_percent: 30 }, { resources: three })).toBe(false);
  });

  it('all conditions of a rule must hold', () => {
    expect(asks({ action_types: ['stop'], tags: { env: 'dev' } })).toBe(true);
    expect(asks({ action_types: ['delete'], tags: { env: 'dev' } })).toBe(false);
  });
});

describe('combining rules', () => {
  it('forbid wins over approval', () => {
    const decision = evaluatePolicy(
      policy([
        { name: 'ask', effect: 'require_approval', when: {} },
        { name: 'never in prod', effect: 'forbid', when: { tags: { env: 'dev' } } },
      ]),
      facts({ requires_approval: true }),
      NOW,
    );
    expect(decision).toEqual({ outcome: 'forbid', reasons: ['forbidden by rule "never in prod"'] });
  });

  it('the largest quorum and the shortest expiry of the matching rules; the first names the role', () => {
    const decision = evaluatePolicy(
      policy(
        [
          { name: 'a', effect: 'require_approval', when: {}, approval: { approver_role: 'operator', expires_in_hours: 24 } },
          { name: 'b', effect: 'require_approval', when: {}, approval: { quorum: 3 } },
          { name: 'c', effect: 'require_approval', when: { action_types: ['delete'] }, approval: { quorum: 5, expires_in_hours: 1 } },
        ],
        { quorum: 2, approver_role: 'admin', expires_in_hours: 48 },
      ),
      facts(),
      NOW,
    );
    expect(decision).toMatchObject({ outcome: 'require_approval', quorum: 3, expires_at: new Date(NOW.getTime() + 24 * HOUR), approver_role: 'operator' });
  });
});

describe('properties', () => {
  const resource = fc.record({
    id: fc.uuid(),
    cloud_account_id: fc.constantFrom(ACCOUNT, OTHER_ACCOUNT),
    tags: fc.dictionary(fc.constantFrom('env', 'team'), fc.constantFrom('prod', 'dev', 'x')),
    cost_monthly: fc.integer({ min: 0, max: 10_000 }).map(String),
  });
  const anyFacts = fc.record({
    action_type: fc.constantFrom(...ACTION_TYPES),
    requires_approval: fc.boolean(),
    resources: fc.array(resource, { minLength: 1, maxLength: 5 }),
    account_sizes: fc.constant({ [ACCOUNT]: 10, [OTHER_ACCOUNT]: 5 }),
    estimated_savings: fc.option(fc.integer({ min: 0, max: 1000 }).map(String), { nil: null }),
  });
  const anyRule = fc.record({
    name: fc.constantFrom('a', 'b', 'c'),
    effect: fc.constantFrom('require_approval' as const, 'forbid' as const),
    when: fc.record(
      {
        action_types: fc.subarray([...ACTION_TYPES], { minLength: 1 }),
        tags: fc.dictionary(fc.constantFrom('env', 'team'), fc.constantFrom('prod', 'dev')),
        max_resources: fc.integer({ min: 0, max: 5 }),
      },
      { requiredKeys: [] },
    ),
  });
  const anyPolicy = fc.array(anyRule, { maxLength: 6 }).map((rules) => policy(rules));

  it('a requester who asks for approval is never let through unreviewed', () => {
    fc.assert(fc.property(anyPolicy, anyFacts, (document, request) => evaluatePolicy(document, { ...request, requires_approval: true }, NOW).outcome !== 'allow'));
  });

  it('adding a rule never makes a decision less strict', () => {
    const strictness = { allow: 0, require_approval: 1, forbid: 2 } as const;
    fc.assert(
      fc.property(anyPolicy, anyRule, anyFacts, (document, extra, request) => {
        const before = evaluatePolicy(document, request, NOW).outcome;
        const after = evaluatePolicy(policy([...document.rules, extra]), request, NOW).outcome;
        return strictness[after] >= strictness[before];
      }),
    );
  });

  it('an approval always expires in the future, within the longest setting, with a positive quorum', () => {
    fc.assert(
      fc.property(anyPolicy, anyFacts, (document, request) => {
        const decision = evaluatePolicy(document, request, NOW);
        if (decision.outcome !== 'require_approval') return true;
        return decision.quorum >= 1 && decision.expires_at > NOW && decision.expires_at.getTime() <= NOW.getTime() + DEFAULT_APPROVAL.expires_in_hours * HOUR;
      }),
    );
  });
});

describe('resources a Terraform state manages', () => {
  const managed = { resource_id: 'r1', terraform_state_id: 's1', address: 'module.web.aws_instance.app[0]', attribute: 'instance_type' };

  it('need approval even when no rule holds the action, with the address and attribute to change in code', () => {
    expect(evaluatePolicy(policy([]), facts({ action_type: 'scale', terraform: [managed] }), NOW)).toEqual({
      outcome: 'require_approval',
      reasons: ['managed by Terraform at module.web.aws_instance.app[0]: change instance_type in code too, or the next apply undoes this action'],
      quorum: 1,
      expires_at: new Date(NOW.getTime() + 72 * HOUR),
      approver_role: 'admin',
      terraform: [managed],
    });
    expect(evaluatePolicy(policy([]), facts({ terraform: [] }), NOW).outcome).toBe('allow');
  });

  it('are forbidden by a rule on terraform_managed, which holds unmanaged resources when false', () => {
    const rules = [{ name: 'hands off', effect: 'forbid', when: { terraform_managed: true } }];
    expect(evaluatePolicy(policy(rules), facts({ terraform: [managed] }), NOW)).toEqual({ outcome: 'forbid', reasons: ['forbidden by rule "hands off"'], terraform: [managed] });
    expect(evaluatePolicy(policy(rules), facts(), NOW).outcome).toBe('allow');
    const unmanagedOnly = [{ name: 'ask for hand-made resources', effect: 'require_approval', when: { terraform_managed: false } }];
    expect(evaluatePolicy(policy(unmanagedOnly), facts(), NOW).reasons).toEqual(['approval required by rule "ask for hand-made resources"']);
  });
});
