/**
 * Approvals on the real PostgreSQL, through the API: who is asked, the digest of what was
 * reviewed, quorum n of m, one answer per approver, never the requester's own, a rejection with its
 * comment, the list, and expiry (action.failed, not retryable).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { TestApp } from '@stratus/runtime/testing';
import { startExecutorApp } from '../../../test/executor-app.ts';
import type { env } from '../../config.ts';
import { addAccount, addResource, addUser, requestAction } from '../../test-support.ts';
import { expireApprovals } from './approvals.service.ts';

let t: TestApp<typeof env>;
let prod: string;
let dev: string;
const users: Record<'alice' | 'bob' | 'requester' | 'viewer', { id: string; token: string }> = {} as never;

beforeAll(async () => {
  t = await startExecutorApp();
  users.alice = await addUser(t, 'alice@a.test', 'admin');
  users.bob = await addUser(t, 'bob@a.test', 'admin');
  users.requester = await addUser(t, 'requester@a.test', 'admin');
  users.viewer = await addUser(t, 'viewer@a.test', 'viewer');
  const account = await addAccount(t);
  // A viewer sees the actions of the accounts their teams were granted, and no others.
  const team = await t.database.owner.insertInto('teams').values({ organization_id: t.organizationId, name: 'readers' }).returning('id').executeTakeFirstOrThrow();
  await t.database.owner.insertInto('user_teams').values({ organization_id: t.organizationId, user_id: users.viewer.id, team_id: team.id, role: 'member' }).execute();
  await t.database.owner.insertInto('cloud_account_teams').values({ organization_id: t.organizationId, cloud_account_id: account, team_id: team.id, access_level: 'read' }).execute();
  prod = await addResource(t, account, { env: 'prod' });
  dev = await addResource(t, account, { env: 'dev' });
});

afterAll(async () => {
  await t?.close();
});

async function setPolicy(quorum: number) {
  const response = await t.call('PUT', '/v1/action-policy', {
    body: { rules: [{ name: 'prod is reviewed', effect: 'require_approval', when: { tags: { env: 'prod' } }, approval: { quorum } }] },
  });
  expect(response.status).toBe(200);
}

const stopProd = () => requestAction(t, { resource_id: prod, action_type: 'stop', parameters: { reason: 'idle', grace: { minutes: 5 } }, requested_by: users.requester.id });
const review = async (actionId: string) => (await t.call('GET', `/v1/actions/${actionId}/approval`)).body;
const answer = (actionId: string, verdict: 'approve' | 'reject', who: { token: string }, body: Record<string, unknown>) =>
  t.call('POST', `/v1/actions/${actionId}/${verdict}`, { token: who.token, body });

async function statusOf(actionId: string) {
  const action = await t.database.owner.selectFrom('actions').select('status').where('id', '=', actionId).executeTakeFirstOrThrow();
  return action.status;
}

async function events(type: string, actionId: string) {
  const { rows } = await sql<{ data: Record<string, unknown> }>`
    select envelope -> 'data' as data from event_outbox_events where type = ${type} and envelope -> 'data' ->> 'action_id' = ${actionId}
  `.execute(t.database.owner);
  return rows.map((row) => row.data);
}

describe('an action on an env=prod resource', () => {
  beforeEach(() => setPolicy(1));

  it('waits for approval; every admin but the requester is asked, with approval.requested', async () => {
    expect((await requestAction(t, { resource_id: dev, action_type: 'stop', requested_by: users.requester.id })).outcome).toBe('allow');
    const { action_id, outcome } = await stopProd();
    expect(outcome).toBe('require_approval');
    expect(await statusOf(action_id)).toBe('awaiting_approval');
    const request = await review(action_id);
    expect(request).toMatchObject({ quorum: 1, approver_role: 'admin', action_status: 'awaiting_approval', reasons: ['approval required by rule "prod is reviewed"'] });
    expect(request.current_digest).toBe(request.digest);
    const asked = [t.userId, users.alice.id, users.bob.id].sort();
    expect(request.answers.map((row: { approver_id: string }) => row.approver_id)).toEqual(asked);
    const [requested] = await events('approval.requested', action_id);
    expect(requested).toMatchObject({ action_type: 'stop', resource_id: prod, quorum: 1 });
    expect((requested!.approver_ids as string[]).sort()).toEqual(asked);
  });

  it('runs once approved with the digest reviewed; the requester, a viewer and a stale digest are refused', async () => {
    const { action_id } = await stopProd();
    const { digest } = await review(action_id);
    expect((await answer(action_id, 'approve', users.requester, { digest })).status).toBe(403);
    expect((await answer(action_id, 'approve', users.viewer, { digest })).status).toBe(403);
    const stale = await answer(action_id, 'approve', users.alice, { digest: '0'.repeat(64) });
    expect(stale.status).toBe(409);
    expect(stale.body.details).toEqual({ digest });

    const approved = await answer(action_id, 'approve', users.alice, { digest, comment: 'fine, it is idle' });
    expect(approved).toEqual({ status: 200, body: { action_status: 'queued', approved: 1, quorum: 1 } });
    expect(await statusOf(action_id)).toBe('queued');
    const history = await t.database.owner.selectFrom('action_history').select(['status', 'executed_by']).where('action_id', '=', action_id).execute();
    // approved and queued share their transaction's time: compared as a set.
    expect(history.map((row) => `${row.status} by ${row.executed_by === users.alice.id ? 'alice' : 'requester'}`).sort()).toEqual(['approved by alice', 'awaiting_approval by requester', 'queued by alice']);
    expect((await answer(action_id, 'approve', users.bob, { digest })).status).toBe(409);
  });

  it('is rejected with a comment: rejected, and action.failed not retryable', async () => {
    const { action_id } = await stopProd();
    const { digest } = await review(action_id);
    const noComment = await answer(action_id, 'reject', users.bob, { digest });
    expect(noComment.status).toBe(400);
    expect(noComment.body.message).toContain('comment');
    expect((await answer(action_id, 'reject', users.bob, { digest, comment: 'not during the sale' })).body).toMatchObject({ action_status: 'rejected' });
    expect(await statusOf(action_id)).toBe('rejected');
    expect(await events('action.failed', action_id)).toEqual([
      { action_id, action_type: 'stop', resource_id: prod, error: { message: 'rejected by an approver: not during the sale', retryable: false } },
    ]);
  });
});

describe('a policy on a resource group', () => {
  it("asks for approval of an action on a member of the group, and not of one outside it", async () => {
    const owner = t.database.owner;
    const { cloud_account_id } = await owner.selectFrom('resources').select('cloud_account_id').where('id', '=', prod).executeTakeFirstOrThrow();
    const group = await owner.insertInto('resource_groups').values({ organization_id: t.organizationId, cloud_account_id, name: 'critical' }).returning('id').executeTakeFirstOrThrow();
    await owner.insertInto('resource_group_memberships').values({ organization_id: t.organizationId, resource_group_id: group.id, resource_id: prod }).execute();
    const response = await t.call('PUT', '/v1/action-policy', { body: { rules: [{ name: 'critical is reviewed', effect: 'require_approval', when: { resource_groups: ['critical'] } }] } });
    expect(response.status).toBe(200);
    expect((await requestAction(t, { resource_id: prod, action_type: 'stop', requested_by: users.requester.id })).outcome).toBe('require_approval');
    expect((await requestAction(t, { resource_id: dev, action_type: 'stop', requested_by: users.requester.id })).outcome).toBe('allow');
  });
});

describe('quorum 2', () => {
  beforeEach(() => setPolicy(2));

  it('needs two distinct approvers; one cannot answer twice', async () => {
    const { action_id } = await stopProd();
    const { digest } = await review(action_id);
    expect((await answer(action_id, 'approve', users.alice, { digest })).body).toEqual({ action_status: 'awaiting_approval', approved: 1, quorum: 2 });
    const twice = await answer(action_id, 'approve', users.alice, { digest });
    expect(twice.status).toBe(409);
    expect(twice.body.message).toContain('answered already');
    expect(await statusOf(action_id)).toBe('awaiting_approval');
    expect((await answer(action_id, 'approve', users.bob, { digest })).body).toEqual({ action_status: 'queued', approved: 2, quorum: 2 });
  });

  it("refuses the old approval of an action changed since it was reviewed", async () => {
    const { action_id } = await stopProd();
    const { digest } = await review(action_id);
    await answer(action_id, 'approve', users.alice, { digest });
    await t.database.owner.updateTable('actions').set({ parameters: JSON.stringify({ reason: 'idle', grace: { minutes: 0 } }) }).where('id', '=', action_id).execute();
    const changed = await answer(action_id, 'approve', users.bob, { digest });
    expect(changed.status).toBe(409);
    expect(changed.body.message).toContain('changed after its approval was requested');
    expect((await review(action_id)).current_digest).not.toBe(digest);
    expect(await statusOf(action_id)).toBe('awaiting_approval');
  });

  it('lists what is pending, for me or for all', async () => {
    const { action_id } = await stopProd();
    const mine = await t.call('GET', '/v1/approvals?status=pending&mine=true', { token: users.alice.token });
    expect(mine.status).toBe(200);
    expect(mine.body.items.every((item: { approver_id: string; status: string; action_status: string }) => item.approver_id === users.alice.id && item.status === 'pending' && item.action_status === 'awaiting_approval')).toBe(true);
    expect(mine.body.items.map((item: { action_id: string }) => item.action_id)).toContain(action_id);
    const all = await t.call('GET', `/v1/approvals?status=pending&limit=2`, { token: users.viewer.token });
    expect(all.body.items).toHaveLength(2);
    const next = await t.call('GET', `/v1/approvals?status=pending&limit=2&cursor=${all.body.next_cursor}`, { token: users.viewer.token });
    expect(next.body.items[0].id).not.toBe(all.body.items[1].id);
  });
});

describe('expiry', () => {
  beforeEach(() => setPolicy(1));

  it('expires what nobody approved in time, once: expired, and action.failed not retryable', async () => {
    const { action_id } = await stopProd();
    const { digest } = await review(action_id);
    const later = new Date(Date.now() + 73 * 3_600_000);
    expect(await expireApprovals(t.deps.db, new Date())).toEqual({ expired: 0 });
    expect((await expireApprovals(t.deps.db, later)).expired).toBeGreaterThanOrEqual(1);
    expect(await statusOf(action_id)).toBe('expired');
    const [failed] = await events('action.failed', action_id);
    expect(failed).toMatchObject({ action_id, error: { retryable: false } });
    expect(String((failed!.error as { message: string }).message)).toMatch(/^no quorum of approvals before /);
    expect((await review(action_id)).answers.every((row: { status: string }) => row.status === 'expired')).toBe(true);
    expect(await expireApprovals(t.deps.db, later)).toEqual({ expired: 0 });
    expect(await events('action.failed', action_id)).toHaveLength(1);
    expect((await answer(action_id, 'approve', users.alice, { digest })).status).toBe(409);
  });
});
