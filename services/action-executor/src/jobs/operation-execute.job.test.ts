/**
 * The operation.execute job against the real PostgreSQL and Redis and the simulated cloud: it
 * records before, after and undo, ends the action with its event in one transaction, never
 * executes a finished operation again, retries what is transient and fails what is permanent.
 */
import { randomUUID } from 'node:crypto';
import type { Job, Worker } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adapterResolver, CloudThrottledError, createSimAdapter, type CloudAdapter, type DiscoveredResource } from '@stratus/cloud';
import { createWorker } from '@stratus/queues';
import { createLogger } from '@stratus/runtime';
import { eventually } from '@stratus/testing';
import { actionRequestedEvent, applyEvent, linkSimAccount, runningVm, startExecutorApp, type ExecutorApp, type SimAccount } from '../../test/executor-app.ts';
import { createAccountGate } from '../modules/operations/account-gate.ts';
import { operationExecuteJob, type OperationExecuteDependencies } from './operation-execute.job.ts';
import { operationsHandlers } from './operations.worker.ts';

let app: ExecutorApp;
let account: SimAccount;
let worker: Worker | undefined;
const logger = createLogger('action-executor-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);

beforeAll(async () => {
  app = await startExecutorApp();
  account = await linkSimAccount(app.database.owner, app.organizationId);
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

afterAll(async () => {
  await app?.close();
});

const owner = () => app.database.owner;

function startWorker(adapterFor: OperationExecuteDependencies['adapterFor'] = adapterResolver(app.deps.config.CREDENTIALS_KEYS)) {
  const gate = createAccountGate({ redis: app.deps.redis, prefix: app.deps.config.REDIS_PREFIX, concurrency: 4, perSecond: 50 });
  worker = createWorker({
    queue: 'operations',
    connection: app.deps.redis,
    prefix: app.deps.config.REDIS_PREFIX,
    concurrency: 4,
    logger,
    handlers: operationsHandlers({ db: app.deps.db, logger, gate, adapterFor }),
  });
  return worker;
}

async function request(data: Parameters<typeof actionRequestedEvent>[1]) {
  const event = actionRequestedEvent(app.organizationId, data);
  await applyEvent(app, event);
  const operation = await owner().selectFrom('operations').select('id').where('action_id', '=', event.data.action_id).executeTakeFirstOrThrow();
  return { actionId: event.data.action_id, operationId: operation.id };
}

async function settled(actionId: string, status: 'success' | 'error') {
  await eventually(async () => {
    // Retries wait seconds; the test does not.
    for (const job of await app.deps.queues.queues.operations.getDelayed()) await job.promote().catch(() => undefined);
    const action = await owner().selectFrom('actions').select('status').where('id', '=', actionId).executeTakeFirstOrThrow();
    expect(action.status).toBe(status);
  }, { timeoutMs: 30_000 });
}

function operation(id: string) {
  return owner().selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function eventsOf(type: string, actionId: string) {
  const rows = await owner().selectFrom('event_outbox_events').select('envelope').where('type', '=', type).execute();
  return rows.map((row) => row.envelope as { data: Record<string, unknown> }).filter((envelope) => envelope.data.action_id === actionId);
}

async function discovered(providerResourceId: string): Promise<DiscoveredResource | undefined> {
  for await (const page of createSimAdapter(account.ref).discover()) {
    const found = page.find((resource) => resource.provider_resource_id === providerResourceId);
    if (found) return found;
  }
  return undefined;
}

async function history(actionId: string) {
  const rows = await owner().selectFrom('action_history').select('status').where('action_id', '=', actionId).orderBy('executed_at').execute();
  return rows.map((row) => row.status);
}

describe('an operation that succeeds', () => {
  it('stops the VM, records before, after and undo, and ends the action with action.completed', async () => {
    const vm = await runningVm(account, owner());
    const { actionId, operationId } = await request({ resource_id: vm.id, action_type: 'stop' });
    startWorker();
    await settled(actionId, 'success');

    expect(await operation(operationId)).toMatchObject({
      status: 'success',
      attempts: 1,
      result: { before: { state: 'running' }, after: { state: 'stopped' }, undo: { possible: true, action_type: 'start', parameters: {} } },
    });
    expect(await history(actionId)).toEqual(['pending', 'queued', 'running', 'success']);
    const [completed, ...more] = await eventsOf('action.completed', actionId);
    expect(more).toEqual([]);
    expect(completed).toMatchObject({ data: { operation_id: operationId, action_type: 'stop', resource_id: vm.id, result: { after: { state: 'stopped' } } } });
    expect((await discovered(vm.provider_resource_id))?.state).toBe('stopped');

    const detail = await app.call('GET', `/v1/actions/${actionId}`);
    expect(detail.body.operations[0].result).toMatchObject({ before: { state: 'running' }, after: { state: 'stopped' } });
  });

  it('is never executed again: a job enqueued again is skipped', async () => {
    const vm = await runningVm(account, owner());
    const current = (vm.metadata as { instance_type: string }).instance_type;
    const size = current === 't3.micro' ? 't3.small' : 't3.micro';
    const { actionId, operationId } = await request({ resource_id: vm.id, action_type: 'scale', parameters: { size } });
    startWorker();
    await settled(actionId, 'success');
    const first = await operation(operationId);
    expect(first.result).toMatchObject({ before: { size: current }, after: { size }, undo: { possible: true, action_type: 'scale', parameters: { size: current } } });

    const again = await app.deps.queues.enqueue('operation.execute', { operation_id: operationId, organization_id: app.organizationId }, { jobId: `${operationId}-again` });
    await eventually(async () => expect(await again.getState()).toBe('completed'), { timeoutMs: 10_000 });
    expect((await app.deps.queues.queues.operations.getJob(again.id!))?.returnvalue).toEqual({ status: 'skipped', reason: 'operation already success' });
    expect(await operation(operationId)).toEqual(first);
    expect(await eventsOf('action.completed', actionId)).toHaveLength(1);
  });

  it('run again after a crash between the provider call and its record, is answered by the client token, not applied twice', async () => {
    const vm = await runningVm(account, owner());
    const { actionId, operationId } = await request({ resource_id: vm.id, action_type: 'snapshot' });
    startWorker();
    await settled(actionId, 'success');
    const snapshotId = ((await operation(operationId)).result as { after: { snapshot_id: string } }).after.snapshot_id;
    // As if the worker died after the snapshot was taken and before the row said so.
    await owner().updateTable('operations').set({ status: 'running' }).where('id', '=', operationId).execute();
    await owner().updateTable('actions').set({ status: 'running' }).where('id', '=', actionId).execute();
    await app.deps.queues.enqueue('operation.execute', { operation_id: operationId, organization_id: app.organizationId }, { jobId: `${operationId}-rerun` });
    await settled(actionId, 'success');
    await eventually(async () => expect(await operation(operationId)).toMatchObject({ status: 'success', attempts: 2, result: { details: { already_applied: true, snapshot_id: snapshotId } } }));

    const snapshots: DiscoveredResource[] = [];
    for await (const page of createSimAdapter(account.ref).discover()) snapshots.push(...page.filter((resource) => resource.metadata.source_id === vm.provider_resource_id));
    expect(snapshots.map((snapshot) => snapshot.provider_resource_id)).toEqual([snapshotId]);
  });
});

describe('an operation that fails', () => {
  it('fails at once when the provider refuses it, with action.failed not worth retrying', async () => {
    const vm = await runningVm(account, owner());
    const { actionId, operationId } = await request({ resource_id: vm.id, action_type: 'scale', parameters: { size: 'x9.colossal' } });
    startWorker();
    await settled(actionId, 'error');
    expect(await operation(operationId)).toMatchObject({ status: 'error', attempts: 1, result: { error: { class: 'CloudOperationError', retryable: false } } });
    const [failed] = await eventsOf('action.failed', actionId);
    expect(failed).toMatchObject({ data: { operation_id: operationId, error: { retryable: false } } });
    expect((failed!.data.error as { message: string }).message).toContain('x9.colossal');
  });

  it('retries throttling with backoff until it succeeds', async () => {
    const vm = await runningVm(account, owner());
    const { actionId, operationId } = await request({ resource_id: vm.id, action_type: 'tag', parameters: { tags: { team: 'payments' } } });
    let calls = 0;
    const sim = createSimAdapter(account.ref);
    const throttled = async (): Promise<CloudAdapter> => ({
      ...sim,
      execute: async (operationRequest) => {
        calls += 1;
        if (calls <= 2) throw new CloudThrottledError('RequestLimitExceeded: Request limit exceeded.');
        return sim.execute(operationRequest);
      },
    });
    startWorker(throttled);
    await settled(actionId, 'success');
    expect(calls).toBe(3);
    expect(await operation(operationId)).toMatchObject({ status: 'success', attempts: 3, result: { after: { tags: { team: 'payments' } } } });
    expect(await history(actionId)).toEqual(['pending', 'queued', 'running', 'success']);
  });

  it('lands failed after its last attempt, saying the error was worth retrying', async () => {
    const vm = await runningVm(account, owner());
    const { actionId, operationId } = await request({ resource_id: vm.id, action_type: 'start' });
    const unavailable = async (): Promise<CloudAdapter> => ({
      ...createSimAdapter(account.ref),
      execute: async () => {
        throw new CloudThrottledError('Throttling: Rate exceeded');
      },
    });
    startWorker(unavailable);
    await settled(actionId, 'error');
    expect(await operation(operationId)).toMatchObject({ status: 'error', attempts: 5, result: { error: { class: 'CloudThrottledError', retryable: true } } });
    expect(await eventsOf('action.failed', actionId)).toMatchObject([{ data: { operation_id: operationId, error: { retryable: true } } }]);
  });
});

describe('operations run at once', () => {
  it('share their claim and their end, and one that fails in either fails alone', async () => {
    const vm = await runningVm(account, owner());
    const requests = await Promise.all([1, 2, 3, 4, 5].map((n) => request({ resource_id: vm.id, action_type: 'tag', parameters: { tags: { batch: String(n) } } })));
    const [unclaimable, unfinishable] = requests;
    // A bad row of each batch: one operation cannot be marked running, another's success cannot be recorded.
    await sql`
      create function test_refuse_row() returns trigger language plpgsql as $$
      begin
        if (tg_table_name = 'operations' and new.id = ${sql.lit(unclaimable!.operationId)}::uuid and new.status = 'running')
           or (tg_table_name = 'action_history' and new.action_id = ${sql.lit(unfinishable!.actionId)}::uuid and new.status = 'success') then
          raise exception 'refused by the test';
        end if;
        return new;
      end $$
    `.execute(owner());
    await sql`create trigger refuse_operation before update on operations for each row execute function test_refuse_row()`.execute(owner());
    await sql`create trigger refuse_history before insert on action_history for each row execute function test_refuse_row()`.execute(owner());
    try {
      const gate = createAccountGate({ redis: app.deps.redis, prefix: app.deps.config.REDIS_PREFIX, concurrency: 10, perSecond: 100 });
      const execute = operationExecuteJob({ db: app.deps.db, logger, gate, adapterFor: adapterResolver(app.deps.config.CREDENTIALS_KEYS) });
      const job = { timestamp: Date.now(), attemptsMade: 0, opts: { attempts: 1 } } as unknown as Job;
      // Started in one tick, as a worker's jobs of one moment: one batch for all five.
      const outcomes = await Promise.allSettled(requests.map(({ operationId }) => execute({ operation_id: operationId, organization_id: app.organizationId }, job)));

      expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect(await operation(unclaimable!.operationId)).toMatchObject({ status: 'queued', attempts: 0 });
      // Its success could not be recorded, so its end was recorded as the error it met.
      expect(await operation(unfinishable!.operationId)).toMatchObject({ status: 'error', attempts: 1 });
      for (const { actionId, operationId } of requests.slice(2)) {
        expect(await operation(operationId)).toMatchObject({ status: 'success', attempts: 1 });
        expect(await eventsOf('action.completed', actionId)).toHaveLength(1);
      }
      // Every lease was given back.
      expect(await app.deps.redis.zcard(`${app.deps.config.REDIS_PREFIX}:account-gate:${account.ref.id}:leases`)).toBe(0);
    } finally {
      await sql`drop trigger refuse_operation on operations`.execute(owner());
      await sql`drop trigger refuse_history on action_history`.execute(owner());
      await sql`drop function test_refuse_row()`.execute(owner());
    }
  });
});

describe('the account gate', () => {
  it('lets `concurrency` operations of an account run at once, the same holder back in, and others wait', async () => {
    const gate = createAccountGate({ redis: app.deps.redis, prefix: app.deps.config.REDIS_PREFIX, concurrency: 2, perSecond: 100 });
    const accountId = randomUUID();
    expect(await gate.acquire(accountId, 'a')).toEqual({ acquired: true });
    expect(await gate.acquire(accountId, 'b')).toEqual({ acquired: true });
    expect(await gate.acquire(accountId, 'a')).toEqual({ acquired: true });
    expect(await gate.acquire(accountId, 'c')).toMatchObject({ acquired: false, reason: 'busy' });
    expect(await gate.acquire(randomUUID(), 'c')).toEqual({ acquired: true });
    await gate.release(accountId, 'a');
    expect(await gate.acquire(accountId, 'c')).toEqual({ acquired: true });
  });

  it('starts at most perSecond operations of an account per second', async () => {
    const gate = createAccountGate({ redis: app.deps.redis, prefix: app.deps.config.REDIS_PREFIX, concurrency: 100, perSecond: 3 });
    const accountId = randomUUID();
    const answers = [];
    for (let holder = 0; holder < 6; holder += 1) answers.push(await gate.acquire(accountId, String(holder)));
    const started = answers.filter((answer) => answer.acquired).length;
    // Six tries may straddle a second boundary: then up to twice the rate.
    expect(started).toBeGreaterThanOrEqual(3);
    expect(started).toBeLessThanOrEqual(6);
    expect(answers.some((answer) => !answer.acquired && answer.reason === 'rate_limited') || started > 3).toBe(true);
  });

  it('a lease lapses when its holder never releases it (a killed worker)', async () => {
    const gate = createAccountGate({ redis: app.deps.redis, prefix: app.deps.config.REDIS_PREFIX, concurrency: 1, perSecond: 100, leaseMs: 200 });
    const accountId = randomUUID();
    expect(await gate.acquire(accountId, 'killed')).toEqual({ acquired: true });
    expect(await gate.acquire(accountId, 'next')).toMatchObject({ acquired: false, reason: 'busy' });
    await eventually(async () => expect(await gate.acquire(accountId, 'next')).toEqual({ acquired: true }), { timeoutMs: 5_000 });
  });
});

