/**
 * On-call replay: failed actions listed with their error and attempts, replayed one by one or by
 * filter with a dry run first, each replay linked in the history; nothing that succeeded runs again.
 */
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudOperationError, createSimAdapter, type CloudAdapter, type OperationRequest } from '@stratus/cloud';
import { createWorker } from '@stratus/queues';
import { createLogger } from '@stratus/runtime';
import { eventually } from '@stratus/testing';
import { actionRequestedEvent, applyEvent, linkSimAccount, runningVm, startExecutorApp, type ExecutorApp, type SimAccount } from '../../../test/executor-app.ts';
import { stratus } from '../../../../../packages/cli/test/run-cli.ts';
import { operationsHandlers } from '../../jobs/operations.worker.ts';
import { createAccountGate } from '../operations/account-gate.ts';

let app: ExecutorApp;
let account: SimAccount;
let worker: Worker;
/** Resources whose next operation the provider refuses, once each. */
const refuseOnce = new Set<string>();
const applied: OperationRequest[] = [];

beforeAll(async () => {
  app = await startExecutorApp();
  account = await linkSimAccount(app.database.owner, app.organizationId);
  const sim = createSimAdapter(account.ref);
  const flaky = async (): Promise<CloudAdapter> => ({
    ...sim,
    execute: async (request) => {
      if (refuseOnce.delete(request.provider_resource_id)) throw new CloudOperationError(`IncorrectState: ${request.provider_resource_id} is busy`);
      applied.push(request);
      return sim.execute(request);
    },
  });
  const logger = createLogger('replay-test', 'silent', false);
  worker = createWorker({
    queue: 'operations',
    connection: app.deps.redis,
    prefix: app.deps.config.REDIS_PREFIX,
    concurrency: 4,
    logger,
    handlers: operationsHandlers({
        db: app.deps.db,
        logger,
        gate: createAccountGate({ redis: app.deps.redis, prefix: app.deps.config.REDIS_PREFIX, concurrency: 4, perSecond: 100 }),
        adapterFor: flaky,
    }),
  });
});

afterAll(async () => {
  await worker?.close();
  await app?.close();
});

const owner = () => app.database.owner;

async function statusOf(actionId: string) {
  return (await owner().selectFrom('actions').select('status').where('id', '=', actionId).executeTakeFirstOrThrow()).status;
}

/** A tag action whose first operation the provider refuses. */
async function failedAction(tags: Record<string, string>) {
  const vm = await runningVm(account, owner());
  refuseOnce.add(vm.provider_resource_id);
  const event = actionRequestedEvent(app.organizationId, { resource_id: vm.id, action_type: 'tag', parameters: { tags } });
  await applyEvent(app, event);
  await eventually(async () => expect(await statusOf(event.data.action_id)).toBe('error'), { timeoutMs: 20_000 });
  return event.data.action_id;
}

describe('failed actions', () => {
  it('are listed with their error and attempts, and filtered', async () => {
    const actionId = await failedAction({ replay: 'list' });
    const all = await app.call('GET', '/v1/actions/failed');
    expect(all.status).toBe(200);
    expect(all.body.items).toContainEqual(
      expect.objectContaining({ action_id: actionId, action_type: 'tag', cloud_account_id: account.ref.id, attempts: 1, error: expect.objectContaining({ class: 'CloudOperationError', retryable: false, message: expect.stringContaining('IncorrectState') }) }),
    );
    const ids = async (query: string) => (await app.call('GET', `/v1/actions/failed?${query}`)).body.items.map((item: { action_id: string }) => item.action_id);
    expect(await ids('error_class=CloudOperationError&action_type=tag')).toContain(actionId);
    expect(await ids('error_class=CloudThrottledError')).not.toContain(actionId);
    expect(await ids('action_type=stop')).not.toContain(actionId);
    expect(await ids(`cloud_account_id=${account.ref.id}`)).toContain(actionId);
    expect(await ids(`since=${new Date(Date.now() + 60_000).toISOString()}`)).not.toContain(actionId);
  });

  it('replays one exactly once: a dry run changes nothing, the replay succeeds, a second replay is refused', async () => {
    const actionId = await failedAction({ replay: 'one' });
    const failedOperation = await owner().selectFrom('operations').select('id').where('action_id', '=', actionId).executeTakeFirstOrThrow();

    const dry = await app.call('POST', `/v1/actions/${actionId}/replay`, { body: { dry_run: true } });
    expect(dry.body).toEqual({ dry_run: true, replayed: [{ action_id: actionId, replay_of: failedOperation.id, operation_id: null }], skipped: [] });
    expect(await statusOf(actionId)).toBe('error');

    const replay = await app.call('POST', `/v1/actions/${actionId}/replay`, { body: { reason: 'the instance is idle now' } });
    expect(replay.status).toBe(200);
    const newOperation = replay.body.replayed[0].operation_id as string;
    expect(newOperation).not.toBe(failedOperation.id);
    await eventually(async () => expect(await statusOf(actionId)).toBe('success'), { timeoutMs: 20_000 });

    const detail = await app.call('GET', `/v1/actions/${actionId}`);
    expect(detail.body.history.map((entry: { status: string }) => entry.status)).toEqual(['pending', 'queued', 'running', 'error', 'queued', 'running', 'success']);
    expect(detail.body.history[4]).toMatchObject({ executed_by: app.userId, details: `replay of operation ${failedOperation.id}: the instance is idle now`, result: { replay_of: failedOperation.id, operation_ids: [newOperation] } });
    expect(detail.body.operations).toMatchObject([{ id: failedOperation.id, status: 'error' }, { id: newOperation, status: 'success' }]);

    const again = await app.call('POST', `/v1/actions/${actionId}/replay`, { body: {} });
    expect(again.body).toEqual({ dry_run: false, replayed: [], skipped: [{ action_id: actionId, reason: 'action is success, not failed' }] });
    expect(applied.filter((request) => request.client_token === failedOperation.id || request.client_token === newOperation)).toHaveLength(1);
    expect(await app.deps.queues.queues.operations.getJob(failedOperation.id)).toBeDefined();
  });

  it('replays every failed action since a time, and asks for since or ids', async () => {
    const since = new Date();
    const first = await failedAction({ replay: 'since-1' });
    const second = await failedAction({ replay: 'since-2' });
    const dry = await app.call('POST', '/v1/actions/replay', { body: { since: since.toISOString(), dry_run: true } });
    expect(dry.body.replayed.map((entry: { action_id: string }) => entry.action_id).sort()).toEqual([first, second].sort());

    const replay = await app.call('POST', '/v1/actions/replay', { body: { since: since.toISOString(), action_type: 'tag' } });
    expect(replay.body.replayed).toHaveLength(2);
    await eventually(async () => expect([await statusOf(first), await statusOf(second)]).toEqual(['success', 'success']), { timeoutMs: 20_000 });
    expect((await app.call('POST', '/v1/actions/replay', { body: { since: since.toISOString() } })).body.replayed).toEqual([]);

    const unbounded = await app.call('POST', '/v1/actions/replay', { body: { action_type: 'tag' } });
    expect(unbounded.status).toBe(400);
    expect(unbounded.body.message).toMatch(/^body\.since: /);
  });
});

describe('stratus actions', () => {
  it('lists failed actions and replays them, with a dry run first', async () => {
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    const cli = { STRATUS_ACTION_EXECUTOR_URL: `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`, STRATUS_TOKEN: app.token };
    const since = new Date().toISOString();
    const actionId = await failedAction({ replay: 'cli' });

    const list = await stratus(['actions', 'list', '--failed', '--since', since], cli);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toMatch(/^ACTION_ID\s+ACTION_TYPE\s+RESOURCE_ID\s+ATTEMPTS\s+FAILED_AT\s+ERROR_CLASS\s+ERROR$/m);
    expect(list.stdout).toMatch(new RegExp(`^${actionId}\\s+tag\\s+\\S+\\s+1\\s+\\S+\\s+CloudOperationError\\s+.*IncorrectState`, 'm'));

    const dry = await stratus(['actions', 'replay', '--since', since, '--dry-run'], cli);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(actionId);
    expect(dry.stdout).toMatch(/would replay 1 action\(s\)$/m);
    expect(await statusOf(actionId)).toBe('error');

    const replay = await stratus(['actions', 'replay', actionId, '--reason', 'retry from the CLI'], cli);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/replayed 1 action\(s\)$/m);
    await eventually(async () => expect(await statusOf(actionId)).toBe('success'), { timeoutMs: 20_000 });

    const nothing = await stratus(['actions', 'replay'], cli);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('--since');
  });
});
