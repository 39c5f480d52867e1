import { describe, expect, it } from 'vitest';
import { digestOf } from './approvals.service.ts';

const action = { action_type: 'scale' as const, resource_id: '00000000-0000-4000-8000-000000000001', parameters: { size: 'm5.large', options: { drain: true, grace_s: 30 } } };

describe('digestOf', () => {
  it('is the same however the parameters were spelled', () => {
    expect(digestOf({ ...action, parameters: { options: { grace_s: 30, drain: true }, size: 'm5.large' } })).toBe(digestOf(action));
  });

  it('changes with the type, the resource or any parameter', () => {
    const digests = new Set([
      digestOf(action),
      digestOf({ ...action, action_type: 'stop' }),
      digestOf({ ...action, resource_id: '00000000-0000-4000-8000-000000000002' }),
      digestOf({ ...action, parameters: { ...action.parameters, size: 'm5.xlarge' } }),
      digestOf({ ...action, parameters: { ...action.parameters, options: { drain: true, grace_s: 0 } } }),
    ]);
    expect(digests.size).toBe(5);
  });
});
