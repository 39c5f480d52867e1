/**
 * The policy API and decide() on the real PostgreSQL: the default policy, replacing it (admins
 * only, bad input named), and decide() reading the resources' tags and accounts' sizes itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import type { TestApp } from '@stratus/runtime/testing';
import { startExecutorApp } from '../../../test/executor-app.ts';
import type { env } from '../../config.ts';
import { addAccount, addResource, addUser } from '../../test-support.ts';
import { decide, type ActionRequestContext } from './policy.service.ts';

let t: TestApp<typeof env>;
let viewer: string;
let operator: string;

beforeAll(async () => {
  t = await startExecutorApp();
  viewer = (await addUser(t, 'viewer@a.test', 'viewer')).token;
  operator = (await addUser(t, 'operator@a.test', 'operator')).token;
});

afterAll(async () => {
  await t?.close();
});

const prodPolicy = {
  rules: [
    { name: 'prod needs two', effect: 'require_approval', when: { tags: { env: 'prod' } }, approval: { quorum: 2 } },
    { name: 'no mass stops', effect: 'forbid', when: { action_types: ['stop'], max_resources_percent: 50 } },
  ],
};

describe('/v1/action-policy', () => {
  it('answers the default policy until one is set; viewers read it', async () => {
    const response = await t.call('GET', '/v1/action-policy', { token: viewer });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ is_default: true, updated_at: null, document: { rules: [{ effect: 'require_approval', when: { action_types: ['delete'] } }] } });
  });

  it('is replaced by admins only, and a bad rule is refused naming its field', async () => {
    expect((await t.call('PUT', '/v1/action-policy', { token: operator, body: prodPolicy })).status).toBe(403);
    const bad = await t.call('PUT', '/v1/action-policy', { body: { rules: [{ name: 'x', effect: 'maybe', when: {} }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('rules.0.effect');
    const saved = await t.call('PUT', '/v1/action-policy', { body: prodPolicy });
    expect(saved.status).toBe(200);
    const read = await t.call('GET', '/v1/action-policy');
    expect(read.body).toMatchObject({ is_default: false, updated_by: t.userId, document: { ...prodPolicy, approval: { quorum: 1, approver_role: 'admin', expires_in_hours: 72 } } });
  });
});

describe('decide()', () => {
  const request = (resourceIds: string[], overrides: Partial<ActionRequestContext> = {}): ActionRequestContext => ({
    organization_id: t.organizationId,
    action_id: crypto.randomUUID(),
    action_type: 'scale',
    parameters: {},
    resource_ids: resourceIds,
    requested_by: null,
    recommendation_id: null,
    requires_approval: false,
    dry_run: false,
    ...overrides,
  });

  it("reads the resources' tags and their accounts' sizes", async () => {
    await t.call('PUT', '/v1/action-policy', { body: prodPolicy });
    const account = await addAccount(t);
    const prod = await addResource(t, account, { env: 'prod' });
    const dev = await addResource(t, account, { env: 'dev' });
    const run = (req: ActionRequestContext) => withTenant(t.deps.db, t.organizationId, (trx) => decide(trx, req));

    expect(await run(request([prod]))).toMatchObject({ outcome: 'require_approval', quorum: 2, reasons: ['approval required by rule "prod needs two"'] });
    expect(await run(request([dev]))).toEqual({ outcome: 'allow', reasons: ['no rule of the policy holds this action'] });
    // One of the account's two resources is 50%, not more: allowed; both are 100%: forbidden.
    expect((await run(request([dev], { action_type: 'stop' }))).outcome).toBe('allow');
    expect(await run(request([dev, prod], { action_type: 'stop' }))).toEqual({ outcome: 'forbid', reasons: ['forbidden by rule "no mass stops"'] });
  });
});
