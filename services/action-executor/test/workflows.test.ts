/**
 * Workflows against the real PostgreSQL, Redis and simulated cloud, with the automation and
 * operations workers running: a budget crossing starts a workflow that asks for approval, stops
 * the selected VMs and notifies; a workflow that failed at its third step resumes there without
 * running its first two again.
 */
import { randomUUID } from 'node:crypto';
import type { Worker } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterResolver, createSimAdapter } from '@stratus/cloud';
import { withTenant } from '@stratus/db';
import { buildEvent } from '@stratus/events';
import { createWorker, reconcile } from '@stratus/queues';
import { createLogger } from '@stratus/runtime';
import { eventually } from '@stratus/testing';
import { handlers } from '../src/app.ts';
import { automationHandlers } from '../src/jobs/automation.worker.ts';
import { operationsHandlers } from '../src/jobs/operations.worker.ts';
import { unfinishedExecutions } from '../src/jobs/workflow-execution.reconciler.ts';
import { createAccountGate } from '../src/modules/operations/account-gate.ts';
import { linkSimAccount, startExecutorApp, type ExecutorApp, type SimAccount } from './executor-app.ts';

let app: ExecutorApp;
let account: SimAccount;
const workers: Worker[] = [];
const logger = createLogger('action-executor-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);

beforeAll(async () => {
  app = await startExecutorApp();
  // A fleet with enough running VMs for each test's own group.
  account = await linkSimAccount(app.database.owner, app.organizationId, {}, 150);
  const { deps } = app;
  const gate = createAccountGate({ redis: deps.redis, prefix: deps.config.REDIS_PREFIX, concurrency: 4, perSecond: 50 });
  workers.push(
    createWorker({ queue: 'operations', connection: deps.redis, prefix: deps.config.REDIS_PREFIX, concurrency: 4, logger, handlers: operationsHandlers({ db: deps.db, logger, gate, adapterFor: adapterResolver(deps.config.CREDENTIALS_KEYS) }) }),
    createWorker({ queue: 'automation', connection: deps.redis, prefix: deps.config.REDIS_PREFIX, concurrency: 2, logger, handlers: automationHandlers(deps) }),
  );
});

afterAll(async () => {
  for (const worker of workers) await worker.close();
  await app?.close();
});

const owner = () => app.database.owner;

/** Running VMs of the simulated fleet, tagged `wf_group=<group>` (a key the fleet does not use) so a match selects exactly them. */
async function tagVms(group: string, count: number) {
  const vms = await owner()
    .selectFrom('resources')
    .select(['id', 'provider_resource_id'])
    .where('cloud_account_id', '=', account.ref.id)
    .where('type', '=', 'vm')
    .where('state', '=', 'running')
    .where(sql<boolean>`not tags ? 'wf_group'`)
    .orderBy('id')
    .limit(count)
    .execute();
  expect(vms).toHaveLength(count);
  await owner().updateTable('resources').set({ tags: sql<string>`tags || ${JSON.stringify({ wf_group: group })}::jsonb` }).where('id', 'in', vms.map((vm) => vm.id)).execute();
  return vms;
}

async function simStates(providerIds: string[]): Promise<(string | null)[]> {
  const states = new Map<string, string | null>();
  for await (const page of createSimAdapter(account.ref).discover()) for (const resource of page) states.set(resource.provider_resource_id, resource.state);
  return providerIds.map((id) => states.get(id) ?? null);
}

/** Waits (promoting the jobs a step put off, rather than sleeping) until the execution is in `status`. */
async function executionIn(id: string, status: string) {
  let execution: { status: string; results: any; attempt: number } | undefined;
  await eventually(async () => {
    for (const job of await app.deps.queues.queues.automation.getDelayed()) await job.promote().catch(() => undefined);
    execution = await owner().selectFrom('workflow_executions').select(['status', 'results', 'attempt']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(execution.status).toBe(status);
  }, { timeoutMs: 30_000 });
  return execution!;
}

async function eventsOf(type: string, executionId: string) {
  const { rows } = await sql<{ data: Record<string, unknown> }>`
    select envelope -> 'data' as data from event_outbox_events where type = ${type} and envelope -> 'data' ->> 'execution_id' = ${executionId}
     order by seq, position
  `.execute(owner());
  return rows.map((row) => row.data);
}

function budgetCrossed(threshold: string) {
  return buildEvent('budget.threshold_crossed', {
    tenant: app.organizationId,
    data: {
      budget_id: randomUUID(),
      budget_name: 'compute',
      threshold,
      threshold_type: 'actual',
      period_start: '2026-12-01',
      period_end: '2026-12-31',
      spend: '900.00',
      budget_amount: '1000.00',
      currency: 'USD',
    },
  }).envelope;
}

const deliver = (event: ReturnType<typeof budgetCrossed>) =>
  withTenant(app.deps.db, app.organizationId, (trx) => handlers(app.deps.queues)['budget.threshold_crossed'](event, trx));

describe('a workflow triggered by a budget crossing', () => {
  it('asks for approval, stops the selected VMs once approved, and notifies', async () => {
    const vms = await tagVms('batch', 2);
    const created = await app.call('POST', '/v1/workflows', {
      body: {
        name: 'stop batch VMs over budget',
        definition: {
          trigger: { type: 'event-based', event_type: 'budget.threshold_crossed', filter: { threshold: { op: '>=', than: 80 }, threshold_type: 'actual' } },
          steps: [
            { id: 'find', type: 'select', match: 'type=vm AND wf_group=batch AND state=running' },
            { id: 'review', type: 'require_approval' },
            { id: 'stop', type: 'action', action_type: 'stop' },
            { id: 'tell', type: 'notify', title: 'Budget {{trigger.budget_name}} crossed', message: 'Stopped {{steps.find.count}} batch VMs at {{trigger.threshold}}%.' },
          ],
        },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.trigger_type).toBe('event-based');

    const below = budgetCrossed('50');
    await deliver(below);
    const crossing = budgetCrossed('80.00');
    await deliver(crossing);
    await deliver(crossing);
    const executions = await owner().selectFrom('workflow_executions').select(['id', 'trigger_key']).where('workflow_id', '=', created.body.id).execute();
    expect(executions.map((row) => row.trigger_key)).toEqual([crossing.id]);
    const executionId = executions[0]!.id;

    // The stop waits for approval: each action has its approval request.
    let actionIds: string[] = [];
    await eventually(async () => {
      const execution = await owner().selectFrom('workflow_executions').select('results').where('id', '=', executionId).executeTakeFirstOrThrow();
      const stop = (execution.results as any).steps.stop;
      expect(stop?.status).toBe('waiting');
      actionIds = stop.output.action_ids;
    }, { timeoutMs: 30_000 });
    expect(actionIds).toHaveLength(2);
    const actions = await owner().selectFrom('actions').select(['status', 'resource_id']).where('id', 'in', actionIds).execute();
    expect(actions.map((action) => action.status)).toEqual(['awaiting_approval', 'awaiting_approval']);
    expect(actions.map((action) => action.resource_id).sort()).toEqual(vms.map((vm) => vm.id).sort());
    expect(await simStates(vms.map((vm) => vm.provider_resource_id))).toEqual(['running', 'running']);

    for (const actionId of actionIds) {
      const { digest } = (await app.call('GET', `/v1/actions/${actionId}/approval`)).body;
      expect((await app.call('POST', `/v1/actions/${actionId}/approve`, { body: { digest } })).status).toBe(200);
    }
    const done = await executionIn(executionId, 'success');
    expect(done.results.path).toEqual(['find', 'review', 'stop', 'tell']);
    expect(await simStates(vms.map((vm) => vm.provider_resource_id))).toEqual(['stopped', 'stopped']);

    const [notification] = await eventsOf('workflow.notification_requested', executionId);
    expect(notification).toMatchObject({ step_id: 'tell', title: 'Budget compute crossed', message: 'Stopped 2 batch VMs at 80.00%.' });
    expect(await eventsOf('workflow_execution.started', executionId)).toHaveLength(1);
    expect(await eventsOf('workflow_execution.completed', executionId)).toEqual([expect.objectContaining({ steps: ['find', 'review', 'stop', 'tell'] })]);

    const history = await app.call('GET', `/v1/workflows/${created.body.id}/executions`);
    expect(history.body.items.map((item: { id: string; status: string }) => [item.id, item.status])).toEqual([[executionId, 'success']]);
  });
});

describe('a workflow that failed at step 3', () => {
  it('resumes at step 3: steps 1 and 2 are not run again', async () => {
    const vms = await tagVms('nightly', 2);
    const policy = (rules: unknown[]) => app.call('PUT', '/v1/action-policy', { body: { rules } });
    expect((await policy([{ name: 'nightly VMs stay up', effect: 'forbid', when: { action_types: ['stop'], tags: { wf_group: 'nightly' } } }])).status).toBe(200);
    const created = await app.call('POST', '/v1/workflows', {
      body: {
        name: 'stop nightly VMs',
        definition: {
          steps: [
            { id: 'find', type: 'select', match: 'wf_group=nightly' },
            { id: 'announce', type: 'notify', title: 'Stopping nightly VMs', message: '{{steps.find.count}} VMs' },
            { id: 'stop', type: 'action', action_type: 'stop' },
            { id: 'done', type: 'notify', title: 'Nightly VMs stopped', message: 'done' },
          ],
        },
      },
    });
    expect(created.status).toBe(201);
    const started = await app.call('POST', `/v1/workflows/${created.body.id}/executions`);
    expect(started.status).toBe(202);
    const executionId: string = started.body.id;

    const failed = await executionIn(executionId, 'error');
    expect(failed.results.current).toBe('stop');
    expect(failed.results.path).toEqual(['find', 'announce']);
    expect(failed.results.steps.stop).toMatchObject({ status: 'error', error: expect.stringMatching(/^2 of 2 actions did not succeed: .* rejected/) });
    expect(await eventsOf('workflow_execution.failed', executionId)).toEqual([expect.objectContaining({ step_id: 'stop' })]);
    expect((await app.call('POST', `/v1/workflow-executions/${executionId}/cancel`, { token: app.token })).status).toBe(200);
    expect((await app.call('POST', `/v1/workflow-executions/${executionId}/resume`)).status).toBe(409);

    // A second execution fails the same way; meanwhile a third VM joins the group and the policy changes.
    const second = (await app.call('POST', `/v1/workflows/${created.body.id}/executions`)).body.id as string;
    await executionIn(second, 'error');
    const [late] = await tagVms('nightly', 1);
    expect((await policy([])).status).toBe(200);
    const resumed = await app.call('POST', `/v1/workflow-executions/${second}/resume`);
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ status: 'queued', attempt: 2 });

    const done = await executionIn(second, 'success');
    expect(done.results.path).toEqual(['find', 'announce', 'stop', 'done']);
    expect(done.results.steps.find).toMatchObject({ attempt: 1, output: { count: 2 } });
    expect(done.results.steps.announce.attempt).toBe(1);
    expect(done.results.steps.stop).toMatchObject({ status: 'success', attempt: 2, previous_errors: [expect.stringMatching(/rejected/)], output: { succeeded: 2 } });
    expect((await eventsOf('workflow.notification_requested', second)).map((event) => event.step_id)).toEqual(['announce', 'done']);
    expect(await simStates([...vms, late!].map((vm) => vm.provider_resource_id))).toEqual(['stopped', 'stopped', 'running']);
  });
});

describe('a workflow definition', () => {
  it('is refused with the path of the step at fault', async () => {
    const create = (steps: unknown[]) => app.call('POST', '/v1/workflows', { body: { name: 'bad', definition: { steps } } });
    const match = await create([{ id: 'find', type: 'select', match: 'env=' }]);
    expect(match.status).toBe(400);
    expect(match.body.message).toContain("body.definition.steps.0.match at 4: expected a value after '='");
    const across = await create([
      { id: 'find', type: 'select', match: 'env=dev' },
      { id: 'go', type: 'branch', when: { value: 'steps.find.count', op: '>', than: 3 }, then: 'find' },
      { id: 'scale', type: 'action', action_type: 'scale', parameters: {} },
    ]);
    expect(across.status).toBe(400);
    expect(across.body.message).toContain('body.definition.steps.1.then "find" is not after this step: branches jump forward only');
    expect(across.body.message).toContain('body.definition.steps.2.parameters.size');
    const branchWithoutCondition = await create([{ id: 'find', type: 'select', match: 'env=dev' }, { id: 'go', type: 'branch', then: 'find' }]);
    expect(branchWithoutCondition.status).toBe(400);
    expect(branchWithoutCondition.body.message).toContain('body.definition.steps.1.when');
  });
});

describe("a notify step for a team", () => {
  it('tells the team it names, and refuses a team the organisation does not have, naming the step', async () => {
    const unknown = await app.call('POST', '/v1/workflows', {
      body: { name: 'tell nobody', definition: { steps: [{ id: 'tell', type: 'notify', title: 't', message: 'm', team_id: randomUUID() }] } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/^body\.definition\.steps\.0\.team_id: no team [0-9a-f-]{36} in your organisation$/);

    const team = await owner().insertInto('teams').values({ organization_id: app.organizationId, name: 'finops' }).returning('id').executeTakeFirstOrThrow();
    const created = await app.call('POST', '/v1/workflows', {
      body: { name: 'tell finops', definition: { steps: [{ id: 'tell', type: 'notify', title: 'Month closed', message: 'see the report', team_id: team.id }] } },
    });
    expect(created.status).toBe(201);
    // A change of the definition is checked the same way.
    const changed = await app.call('PATCH', `/v1/workflows/${created.body.id}`, {
      body: { definition: { steps: [{ id: 'tell', type: 'notify', title: 't', message: 'm', team_id: randomUUID() }] } },
    });
    expect(changed.status).toBe(400);
    expect(changed.body.message).toMatch(/^body\.definition\.steps\.0\.team_id: no team/);

    const executionId: string = (await app.call('POST', `/v1/workflows/${created.body.id}/executions`)).body.id;
    await executionIn(executionId, 'success');
    expect(await eventsOf('workflow.notification_requested', executionId)).toEqual([expect.objectContaining({ step_id: 'tell', title: 'Month closed', team_id: team.id })]);
  });
});

describe('a scheduled workflow', () => {
  it('has a job scheduler while active; its tick starts one execution, however often the job runs', async () => {
    const created = await app.call('POST', '/v1/workflows', {
      body: {
        name: 'nightly report',
        definition: { trigger: { type: 'scheduled', cron: '0 3 * * *', timezone: 'Europe/Paris' }, steps: [{ id: 'tell', type: 'notify', title: 'Nightly', message: 'report' }] },
      },
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const { queues } = app.deps;
    expect(await queues.schedulerIds('automation')).toContain(`workflow-${id}`);

    const tick = (await queues.queues.automation.getDelayed()).find((job) => job.name === 'workflow.trigger' && job.data.workflow_id === id)!;
    expect(tick).toBeDefined();
    await tick.promote();
    let executions: { id: string; status: string; trigger_key: string | null }[] = [];
    await eventually(async () => {
      executions = await owner().selectFrom('workflow_executions').select(['id', 'status', 'trigger_key']).where('workflow_id', '=', id).execute();
      expect(executions.map((row) => row.status)).toEqual(['success']);
    }, { timeoutMs: 30_000 });
    expect(executions[0]!.trigger_key).toBe(`tick:${tick.id}`);
    // The same tick delivered again starts nothing.
    expect(await automationHandlers(app.deps)['workflow.trigger'](tick.data, tick)).toMatchObject({ status: 'skipped' });
    expect(await owner().selectFrom('workflow_executions').select('id').where('workflow_id', '=', id).execute()).toHaveLength(1);

    expect((await app.call('PATCH', `/v1/workflows/${id}`, { body: { status: 'disabled' } })).status).toBe(200);
    expect(await queues.schedulerIds('automation')).not.toContain(`workflow-${id}`);
  });
});

describe('an execution waiting for approval', () => {
  it('gets its job back when Redis loses it, and cancelling it cancels the actions awaiting approval', async () => {
    await tagVms('weekend', 1);
    const created = await app.call('POST', '/v1/workflows', {
      body: {
        name: 'stop weekend VMs',
        definition: {
          steps: [
            { id: 'find', type: 'select', match: 'wf_group=weekend' },
            { id: 'review', type: 'require_approval' },
            { id: 'stop', type: 'action', action_type: 'stop' },
          ],
        },
      },
    });
    const executionId: string = (await app.call('POST', `/v1/workflows/${created.body.id}/executions`)).body.id;
    let actionIds: string[] = [];
    await eventually(async () => {
      const execution = await owner().selectFrom('workflow_executions').select('results').where('id', '=', executionId).executeTakeFirstOrThrow();
      actionIds = (execution.results as any).steps.stop?.output?.action_ids ?? [];
      expect(actionIds).toHaveLength(1);
    }, { timeoutMs: 30_000 });

    const { queues } = app.deps;
    const job = await queues.queues.automation.getJob(`${executionId}-1`);
    await job!.remove().catch(async () => {
      // A worker holds the lock while the job runs: wait for it to put itself off.
      await eventually(async () => expect(await job!.getState()).toBe('delayed'), { timeoutMs: 10_000 });
      await job!.remove();
    });
    const work = unfinishedExecutions(app.deps.db);
    expect(await reconcile(queues, work)).toMatchObject({ reEnqueued: 1 });
    expect(await queues.queues.automation.getJob(`${executionId}-1`)).toBeDefined();

    const cancelled = await app.call('POST', `/v1/workflow-executions/${executionId}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    const actions = await owner().selectFrom('actions').select('status').where('id', 'in', actionIds).execute();
    expect(actions.map((action) => action.status)).toEqual(['cancelled']);
    expect(await reconcile(queues, work)).toMatchObject({ unfinished: 0 });
  });
});
