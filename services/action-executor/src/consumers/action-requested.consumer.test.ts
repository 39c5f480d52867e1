/**
 * action.requested becomes one recorded action with its history, its decision acted on, and its
 * operations queued under their own ids, however often the request is delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import type { EventEnvelope } from '@stratus/events';
import { handlers } from '../app.ts';
import { actionRequestedEvent, applyEvent, linkSimAccount, runningVm, startExecutorApp, type ExecutorApp, type SimAccount } from '../../test/executor-app.ts';

let app: ExecutorApp;
let account: SimAccount;

beforeAll(async () => {
  app = await startExecutorApp();
  account = await linkSimAccount(app.database.owner, app.organizationId);
});

afterAll(async () => {
  await app?.close();
});

const owner = () => app.database.owner;

async function historyOf(actionId: string) {
  const rows = await owner().selectFrom('action_history').select(['status', 'details']).where('action_id', '=', actionId).orderBy('executed_at').orderBy('id').execute();
  return rows.map((row) => row.status);
}

function outboxEvents(type: string, actionId: string) {
  return owner()
    .selectFrom('event_outbox_events')
    .select('envelope')
    .where('type', '=', type)
    .execute()
    .then((rows) => rows.map((row) => row.envelope as { data: { action_id: string } }).filter((envelope) => envelope.data.action_id === actionId));
}

describe('an allowed action request', () => {
  it('is recorded once, queued with one operation and one job, however often it is delivered', async () => {
    const vm = await runningVm(account, owner());
    const event = actionRequestedEvent(app.organizationId, { resource_id: vm.id, action_type: 'stop', requested_by: app.userId });
    await applyEvent(app, event);
    await applyEvent(app, event);
    await Promise.all([applyEvent(app, event), applyEvent(app, event)]);

    const actions = await owner().selectFrom('actions').selectAll().where('id', '=', event.data.action_id).execute();
    expect(actions).toMatchObject([{ status: 'queued', action_type: 'stop', resource_id: vm.id, created_by: app.userId }]);
    expect(await historyOf(event.data.action_id)).toEqual(['pending', 'queued']);
    const operations = await owner().selectFrom('operations').selectAll().where('action_id', '=', event.data.action_id).execute();
    expect(operations).toMatchObject([{ status: 'queued', operation: 'stop', resource_id: vm.id, attempts: 0 }]);
    const job = await app.deps.queues.queues.operations.getJob(operations[0]!.id);
    expect(job?.data).toEqual({ operation_id: operations[0]!.id, organization_id: app.organizationId });
    expect(await app.deps.queues.queues.operations.getJobCountByTypes('waiting', 'delayed', 'active', 'prioritized')).toBe(1);
  });
});

describe('a request the policy holds or refuses', () => {
  it('waits for approval without an operation when the policy asks for one', async () => {
    const vm = await runningVm(account, owner());
    const event = actionRequestedEvent(app.organizationId, { resource_id: vm.id, action_type: 'delete' });
    await applyEvent(app, event);
    expect(await historyOf(event.data.action_id)).toEqual(['pending', 'awaiting_approval']);
    expect(await owner().selectFrom('operations').select('id').where('action_id', '=', event.data.action_id).execute()).toEqual([]);
    expect(await outboxEvents('action.failed', event.data.action_id)).toEqual([]);
  });

  it('is rejected, with action.failed not worth retrying, when the resource is not in the inventory', async () => {
    const event = actionRequestedEvent(app.organizationId, { resource_id: '00000000-0000-4000-8000-000000000001', action_type: 'stop' });
    await applyEvent(app, event);
    expect(await historyOf(event.data.action_id)).toEqual(['pending', 'rejected']);
    const [failed] = await outboxEvents('action.failed', event.data.action_id);
    expect(failed).toMatchObject({ data: { action_type: 'stop', error: { retryable: false } } });
    expect(failed!.data).not.toHaveProperty('operation_id');
  });
});

describe('POST /v1/actions', () => {
  it('publishes action.requested through the outbox and answers its action id', async () => {
    const vm = await runningVm(account, owner());
    const response = await app.call('POST', '/v1/actions', { body: { resource_id: vm.id, action_type: 'scale', parameters: { size: 'm5.large' } } });
    expect(response.status).toBe(202);
    const [event] = await outboxEvents('action.requested', response.body.action_id);
    expect(event).toMatchObject({ tenant: app.organizationId, data: { resource_id: vm.id, action_type: 'scale', parameters: { size: 'm5.large' }, requested_by: app.userId, requires_approval: false } });
    // Recorded by the consumer, not by the route: every request takes one path.
    expect(await owner().selectFrom('actions').select('id').where('id', '=', response.body.action_id).execute()).toEqual([]);
  });

  it('on a dry run answers the decision and the operations, and records and queues nothing', async () => {
    const vm = await runningVm(account, owner());
    const before = await owner().selectFrom('actions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const jobs = await app.deps.queues.queues.operations.count();
    const response = await app.call('POST', '/v1/actions', { body: { resource_id: vm.id, action_type: 'stop', dry_run: true } });
    expect(response).toMatchObject({
      status: 200,
      body: { dry_run: true, decision: { outcome: 'allow' }, operations: [{ resource_id: vm.id, provider_resource_id: vm.provider_resource_id, operation: 'stop', params: {} }] },
    });
    const after = await owner().selectFrom('actions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    expect(await app.deps.queues.queues.operations.count()).toBe(jobs);
    expect((await owner().selectFrom('event_outbox_events').select('id').where('type', '=', 'action.requested').execute()).length).toBeLessThanOrEqual(1);
  });

  it('refuses a resource of no inventory and bad parameters, naming the field', async () => {
    const vm = await runningVm(account, owner());
    const unknown = await app.call('POST', '/v1/actions', { body: { resource_id: '00000000-0000-4000-8000-000000000002', action_type: 'stop' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/^body\.resource_id: /);
    const badSize = await app.call('POST', '/v1/actions', { body: { resource_id: vm.id, action_type: 'scale', parameters: {} } });
    expect(badSize.status).toBe(400);
    expect(badSize.body.message).toMatch(/^body\.parameters\.size: /);
    const unknownType = await app.call('POST', '/v1/actions', { body: { resource_id: vm.id, action_type: 'reboot' } });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.message).toMatch(/action_type/);
  });

  it('lists actions and shows one with its history and operations', async () => {
    const vm = await runningVm(account, owner());
    const event = actionRequestedEvent(app.organizationId, { resource_id: vm.id, action_type: 'tag', parameters: { tags: { owner: 'ops' } } });
    await applyEvent(app, event);
    const list = await app.call('GET', `/v1/actions?resource_id=${vm.id}&action_type=tag`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).toEqual([event.data.action_id]);
    const detail = await app.call('GET', `/v1/actions/${event.data.action_id}`);
    expect(detail).toMatchObject({ status: 200, body: { id: event.data.action_id, status: 'queued', history: [{ status: 'pending' }, { status: 'queued' }], operations: [{ operation: 'tag', status: 'queued' }] } });
    expect((await app.call('GET', '/v1/actions/00000000-0000-4000-8000-000000000003')).status).toBe(404);
  });
});

describe('a run of requests, as the consumer applies consecutive ones together', () => {
  const applyRun = (events: EventEnvelope<'action.requested'>[]) =>
    withTenant(app.deps.db, app.organizationId, (trx) => handlers(app.deps.queues)['action.requested'].applyMany!(events, trx));

  async function snapshot() {
    const count = async (table: 'actions' | 'operations' | 'action_history' | 'approval_requests' | 'event_outbox') =>
      Number((await owner().selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    return {
      actions: await count('actions'),
      operations: await count('operations'),
      history: await count('action_history'),
      approvals: await count('approval_requests'),
      outbox: await count('event_outbox'),
      jobs: await app.deps.queues.queues.operations.count(),
    };
  }

  it('ends each request as it would alone, and a redelivered run changes nothing and enqueues nothing', async () => {
    const vm = await runningVm(account, owner());
    const earlier = actionRequestedEvent(app.organizationId, { resource_id: vm.id, action_type: 'tag', parameters: { tags: { run: 'earlier' } } });
    await applyEvent(app, earlier);
    const allowed = actionRequestedEvent(app.organizationId, { resource_id: vm.id, action_type: 'tag', parameters: { tags: { run: 'yes' } } });
    const held = actionRequestedEvent(app.organizationId, { resource_id: vm.id, action_type: 'delete' });
    const unknown = actionRequestedEvent(app.organizationId, { resource_id: '00000000-0000-4000-8000-000000000004', action_type: 'stop' });
    // The same action asked twice in one run (two events, one action id) is recorded once.
    const repeated = { ...allowed, id: actionRequestedEvent(app.organizationId, { resource_id: vm.id, action_type: 'tag' }).id };
    const before = await snapshot();
    await applyRun([earlier, allowed, held, unknown, repeated]);
    const after = await snapshot();

    expect(await historyOf(earlier.data.action_id)).toEqual(['pending', 'queued']);
    expect(await historyOf(allowed.data.action_id)).toEqual(['pending', 'queued']);
    expect(await historyOf(held.data.action_id)).toEqual(['pending', 'awaiting_approval']);
    expect(await historyOf(unknown.data.action_id)).toEqual(['pending', 'rejected']);
    expect(await outboxEvents('action.failed', unknown.data.action_id)).toHaveLength(1);
    const operations = await owner().selectFrom('operations').select(['id', 'action_id']).where('action_id', 'in', [allowed.data.action_id, held.data.action_id, unknown.data.action_id]).execute();
    expect(operations.map((operation) => operation.action_id)).toEqual([allowed.data.action_id]);
    expect(await app.deps.queues.queues.operations.getJob(operations[0]!.id)).toBeDefined();
    expect(after).toEqual({
      actions: before.actions + 3,
      operations: before.operations + 1,
      history: before.history + 6,
      approvals: before.approvals + 1,
      outbox: after.outbox,
      jobs: before.jobs + 1,
    });
    expect(after.outbox).toBeGreaterThan(before.outbox);

    await applyRun([earlier, allowed, held, unknown, repeated]);
    expect(await snapshot()).toEqual(after);
  });
});
