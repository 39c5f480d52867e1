import { describe, expect, it } from 'vitest';
import { PERMISSION_NAMES } from '@stratus/db';
import { DEFAULT_ROLE_PERMISSIONS } from './permissions.ts';

describe('DEFAULT_ROLE_PERMISSIONS', () => {
  it('gives admin everything', () => {
    expect([...DEFAULT_ROLE_PERMISSIONS.admin].sort()).toEqual([...PERMISSION_NAMES].sort());
  });

  it('gives operator every read, the operational writes and execution, but no tokens, approvals or audit writes', () => {
    const operator = new Set(DEFAULT_ROLE_PERMISSIONS.operator);
    for (const name of PERMISSION_NAMES.filter((name) => name.endsWith(':read'))) expect(operator).toContain(name);
    expect(operator).toContain('actions:execute');
    expect(operator).toContain('automation_rules:write');
    for (const name of ['tokens:write', 'approvals:decide', 'audit_logs:write', 'costs:write'] as const) {
      expect(operator).not.toContain(name);
    }
  });

  it('gives viewer reads only, and not the token list', () => {
    expect(DEFAULT_ROLE_PERMISSIONS.viewer.every((name) => name.endsWith(':read'))).toBe(true);
    expect(DEFAULT_ROLE_PERMISSIONS.viewer).toContain('resources:read');
    expect(DEFAULT_ROLE_PERMISSIONS.viewer).not.toContain('tokens:read');
  });
});
