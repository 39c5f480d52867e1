/**
 * Off-hours schedules against the real PostgreSQL, Redis and simulated cloud: simulated days in
 * Paris, New York and London around Europe's spring daylight-saving change, evaluated every hour
 * (two evaluations missed), with the operations worker stopping and starting the simulated VMs.
 *
 * The simulation plays discovery after every evaluation (the resources' state and when it changed,
 * at the simulated time), so every time the convergence reads is on one clock. The window is the
 * next spring change after today: the operations and actions the database stamps with its own clock
 * are then older than every simulated scheduled change, as they would be at the time of each tick.
 */
import type { Worker } from 'bullmq';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { adapterResolver, createSimAdapter, type ResourceKind } from '@stratus/cloud';
import { createWorker } from '@stratus/queues';
import { createLogger } from '@stratus/runtime';
import { eventually } from '@stratus/testing';
import { linkSimAccount, startExecutorApp, type ExecutorApp, type SimAccount } from '../../../test/executor-app.ts';
import { operationsHandlers } from '../../jobs/operations.worker.ts';
import { createAccountGate } from '../operations/account-gate.ts';
import { convergeSchedules } from './schedules.service.ts';

let app: ExecutorApp;
let account: SimAccount;
let worker: Worker;
const logger = createLogger('action-executor-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);

beforeAll(async () => {
  app = await startExecutorApp();
  account = await linkSimAccount(app.database.owner, app.organizationId);
  const gate = createAccountGate({ redis: app.deps.redis, prefix: app.deps.config.REDIS_PREFIX, concurrency: 4, perSecond: 50 });
  worker = createWorker({
    queue: 'operations',
    connection: app.deps.redis,
    prefix: app.deps.config.REDIS_PREFIX,
    concurrency: 4,
    logger,
    handlers: operationsHandlers({ db: app.deps.db, logger, gate, adapterFor: adapterResolver(app.deps.config.CREDENTIALS_KEYS) }),
  });
});

afterAll(async () => {
  await worker?.close();
  await app?.close();
});

const owner = () => app.database.owner;

/** The Sunday (last of March) on which Paris and London move to summer time, after next week. */
function nextSpringChange(): DateTime {
  for (let year = DateTime.utc().year; ; year += 1) {
    const sunday = DateTime.utc(year, 3, 31).minus({ days: DateTime.utc(year, 3, 31).weekday % 7 });
    if (sunday > DateTime.utc().plus({ days: 7 })) return sunday;
  }
}

/** What discovery would store at `at`: each resource's state in the simulated cloud. */
async function discover(at: Date): Promise<void> {
  for await (const page of createSimAdapter(account.ref).discover()) {
    for (const resource of page) {
      await owner()
        .updateTable('resources')
        .set((eb) => ({
          state: resource.state,
          last_seen: at,
          state_changed_at: eb.case().when('state', 'is distinct from', resource.state).then(at).else(eb.ref('state_changed_at')).end(),
        }))
        .where('cloud_account_id', '=', account.ref.id)
        .where('provider_resource_id', '=', resource.provider_resource_id)
        .execute();
    }
  }
}

async function settled(): Promise<void> {
  await eventually(async () => {
    const busy = await owner().selectFrom('operations').select('id').where('status', 'in', ['queued', 'running']).execute();
    expect(busy).toEqual([]);
  }, { timeoutMs: 30_000 });
}

describe('a simulated long weekend across the spring change', () => {
  it('stops and starts each VM at its wall-clock hours, converges after missed evaluations, and respects a manual start', async () => {
    const vms = await owner()
      .selectFrom('resources')
      .select(['id', 'name', 'provider_resource_id', 'type', 'region'])
      .where('cloud_account_id', '=', account.ref.id)
      .where('type', '=', 'vm')
      .where('state', '=', 'running')
      .orderBy('id')
      .limit(3)
      .execute();
    expect(vms).toHaveLength(3);
    const [paris, newYork, london] = vms as [(typeof vms)[number], (typeof vms)[number], (typeof vms)[number]];
    const label = new Map([[paris.id, 'paris'], [newYork.id, 'new-york'], [london.id, 'london']]);
    const tag = (id: string, spec: string) =>
      owner()
        .updateTable('resources')
        .set({ tags: sql<string>`tags || ${JSON.stringify({ 'stratus:schedule': spec })}::jsonb` })
        .where('id', '=', id)
        .execute();
    await tag(paris.id, 'off=(M-F,19);on=(M-F,7);tz=Europe/Paris');
    await tag(newYork.id, 'off=(M-F,19);on=(M-F,7);tz=America/New_York');
    // London by a named schedule; it also selects the Paris VM, whose own tag wins.
    const created = await app.call('POST', '/v1/schedules', {
      body: { name: 'london office', match: `name IN ("${london.name}", "${paris.name}")`, spec: 'off=(M-F,18);on=(M-F,8);tz=Europe/London' },
    });
    expect(created.status).toBe(201);

    const sunday = nextSpringChange();
    const friday = sunday.minus({ days: 2 });
    const monday = sunday.plus({ days: 1 });
    const at = (day: DateTime, hour: number) => day.set({ hour, minute: 5 }).toJSDate();
    const missed = new Set([at(monday, 5).getTime(), at(monday, 6).getTime()]);
    const manualStart = at(sunday.minus({ days: 1 }), 15);

    const requested: string[] = [];
    for (let tick = at(friday, 12); tick <= at(monday.plus({ days: 1 }), 0); tick = new Date(tick.getTime() + 3_600_000)) {
      if (tick.getTime() === manualStart.getTime()) {
        // Someone starts the New York VM from the provider's console on Saturday.
        await createSimAdapter(account.ref).execute({
          operation: 'start',
          provider_resource_id: newYork.provider_resource_id,
          resource_type: newYork.type as ResourceKind,
          region: newYork.region,
          params: {},
          client_token: 'manual-start',
        });
      }
      if (!missed.has(tick.getTime())) {
        for (const report of await convergeSchedules(app.deps.db, app.deps.queues, tick)) {
          for (const request of report.requested) requested.push(`${tick.toISOString().slice(0, 16)} ${label.get(request.resource_id)} ${request.action_type} ${request.outcome}`);
        }
        await settled();
      }
      await discover(tick);
    }

    const utc = (day: DateTime, hour: number) => `${at(day, hour).toISOString().slice(0, 16)}`;
    expect([...requested].sort()).toEqual([
      // Friday: Paris on CET (UTC+1), London on GMT, New York on EDT (UTC-4).
      `${utc(friday, 18)} london stop allow`,
      `${utc(friday, 18)} paris stop allow`,
      `${utc(friday, 23)} new-york stop allow`,
      // Monday, after the change: Paris on CEST (UTC+2) starts at 07:00 = 05:00 UTC, an evaluation
      // that was missed like the next one: the one after converges. London on BST (UTC+1).
      `${utc(monday, 7)} london start allow`,
      `${utc(monday, 7)} paris start allow`,
      // New York was started by hand on Saturday: left running, stopped at its next change.
      `${utc(monday, 17)} london stop allow`,
      `${utc(monday, 17)} paris stop allow`,
      `${utc(monday, 23)} new-york stop allow`,
    ].sort());

    const states = await owner().selectFrom('resources').select(['id', 'state']).where('id', 'in', [paris.id, newYork.id, london.id]).execute();
    expect(Object.fromEntries(states.map((row) => [label.get(row.id), row.state]))).toEqual({ paris: 'stopped', 'new-york': 'stopped', london: 'stopped' });
  });
});
