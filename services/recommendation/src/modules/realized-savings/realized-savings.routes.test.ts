/**
 * Realized savings on the real PostgreSQL: an idle VM's recommendation is applied and its action
 * succeeds, the cost imports around it are in the cost store, and the evaluation job (as after an
 * import) measures what the action saved, shown on the recommendation and per account and month.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import { buildEvent } from '@stratus/events';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { createLogger } from '@stratus/runtime';
import { handlers, service } from '../../app.ts';
import type { env } from '../../config.ts';
import { recommendationsEvaluateJob } from '../../jobs/recommendations-evaluate.job.ts';
import { resource } from '../../rules/test-support.ts';
import { DAYS_PER_MONTH, evaluateAccount } from '../recommendations/evaluation.service.ts';

const DAY_MS = 86_400_000;
let t: TestApp<typeof env>;
let accountId: string;
let vmId: string;
let recommendationId: string;
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
/** The action succeeded 20 days ago, mid-morning. */
const actedAt = new Date(today - 20 * DAY_MS + 10 * 3_600_000);
const dayOf = (offset: number) => new Date(today - 20 * DAY_MS + offset * DAY_MS).toISOString().slice(0, 10);

async function importDays(offsets: number[], costOf: (offset: number) => number | null) {
  for (const offset of offsets) {
    const amount = costOf(offset);
    const values = { organization_id: t.organizationId, cloud_account_id: accountId, provider: 'AWS' as const, currency: 'USD' };
    // The account's day is in (other resources' lines), whatever this resource cost.
    await t.database.owner.insertInto('cost_rollups').values({ ...values, granularity: 'day', period_start: dayOf(offset), service: 'EC2', region: 'eu-west-1', amount: '1', lines: 1 }).execute();
    if (amount === null) continue;
    await t.database.owner
      .insertInto('cost_data')
      .values({ ...values, resource_id: vmId, service: 'EC2', region: 'eu-west-1', timestamp: `${dayOf(offset)}T00:00:00Z`, amount: amount * 1.25, granularity: 'daily', dimensions: JSON.stringify({ effective_cost: amount }) })
      .execute();
  }
}

beforeAll(async () => {
  t = await startTestApp(service);
  accountId = (
    await t.database.owner.insertInto('cloud_accounts').values({ organization_id: t.organizationId, name: 'prod', provider: 'AWS', account_id: '123456789012' }).returning('id').executeTakeFirstOrThrow()
  ).id;
  const { metadata, tags, ...fields } = resource('vm', { utilization: { cpu_p95: 2, network_bytes_per_day: 100 } });
  vmId = (
    await t.database.owner
      .insertInto('resources')
      .values({ ...fields, id: undefined as never, organization_id: t.organizationId, cloud_account_id: accountId, provider_resource_id: 'i-idle', name: 'idle', tags: JSON.stringify(tags), metadata: JSON.stringify(metadata) })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await sql`select ensure_cost_data_partitions(${dayOf(-20)}::date, 3)`.execute(t.database.owner);
  await evaluateAccount(t.deps.db, t.organizationId, accountId, new Date());
});

afterAll(async () => {
  await t?.close();
});

describe('realized savings', () => {
  it('starts measuring when the action succeeds, and measures once the imports around it are in', async () => {
    const listed = (await t.call('GET', '/v1/recommendations?recommendation_type=idle_vm')).body.items[0];
    recommendationId = listed.id;
    const applied = await t.call('POST', `/v1/recommendations/${recommendationId}/apply`, { body: { etag: listed.etag } });
    expect(applied.body).toMatchObject({ action_id: expect.any(String) });
    const completed = buildEvent('action.completed', {
      tenant: t.organizationId,
      data: { action_id: applied.body.action_id, operation_id: applied.body.action_id, action_type: 'stop', resource_id: vmId },
    }).envelope;
    await withTenant(t.deps.db, t.organizationId, (trx) => handlers(t.deps.queues)['action.completed'](completed, trx));
    // The test cannot wait 20 days: the action is moved back to when the imports below put it.
    await t.database.owner.updateTable('realized_savings').set({ acted_at: actedAt }).where('recommendation_id', '=', recommendationId).execute();
    expect((await t.call('GET', `/v1/recommendations/${recommendationId}`)).body.realized).toMatchObject({ status: 'measuring', after_days: 0, realized_savings: null });

    // 14 days at 4.00 before; the day of the stop; then the stopped VM's storage at 0.50 a day,
    // except day 5, not imported yet. A day 16 before is outside the baseline.
    await importDays([-16, ...Array.from({ length: 14 }, (_, index) => index - 14), 0, 1, 2, 3, 4, 6, 7, 8, 9], (offset) => (offset === -16 ? 100 : offset < 0 ? 4 : offset === 0 ? 2 : 0.5));
    const job = recommendationsEvaluateJob({ db: t.deps.db, logger: createLogger('test', 'silent', false) });
    expect(await job({ organization_id: t.organizationId, cloud_account_id: accountId, trigger: 'costs' }, undefined as never)).toMatchObject({ realized_measured: 1 });

    const detail = (await t.call('GET', `/v1/recommendations/${recommendationId}`)).body;
    expect(detail.status).toBe('succeeded');
    expect(detail.realized).toMatchObject({
      status: 'measured',
      currency: 'USD',
      baseline_start: dayOf(-14),
      baseline_end: dayOf(-1),
      baseline_days: 14,
      after_days: 8,
      measured_through: dayOf(9),
      realized_savings: (3.5 * DAYS_PER_MONTH).toFixed(2),
    });
    expect(Number(detail.realized.baseline_daily)).toBe(4);
    expect(Number(detail.estimated_savings)).toBeGreaterThan(0);
  });

  it('lists what was saved per account and month, summing measured days only', async () => {
    const { status, body } = await t.call('GET', `/v1/realized-savings?cloud_account_id=${accountId}`);
    expect(status).toBe(200);
    const total = body.items.reduce((sum: number, item: { realized_savings: string }) => sum + Number(item.realized_savings), 0);
    expect(total).toBeCloseTo(8 * 3.5, 2);
    expect(body.items.reduce((sum: number, item: { measured_days: number }) => sum + item.measured_days, 0)).toBe(8);
    expect(body.items.every((item: { recommendations: number; currency: string }) => item.recommendations === 1 && item.currency === 'USD')).toBe(true);
    const months = [...new Set([1, 9].map((offset) => dayOf(offset).slice(0, 7)))];
    expect(body.items.map((item: { month: string }) => item.month)).toEqual(months);
  });

  it('corrects the measurement when an import restates a day, and filters by month', async () => {
    await t.database.owner.updateTable('cost_data').set({ dimensions: JSON.stringify({ effective_cost: 4 }) }).where('resource_id', '=', vmId).where('timestamp', '=', new Date(`${dayOf(1)}T00:00:00Z`)).execute();
    const job = recommendationsEvaluateJob({ db: t.deps.db, logger: createLogger('test', 'silent', false) });
    await job({ organization_id: t.organizationId, trigger: 'schedule' }, undefined as never);
    const { body } = await t.call('GET', `/v1/realized-savings?from=${dayOf(1).slice(0, 7)}&to=${dayOf(1).slice(0, 7)}`);
    const expected = [1, 2, 3, 4, 6, 7, 8, 9].filter((offset) => dayOf(offset).slice(0, 7) === dayOf(1).slice(0, 7)).reduce((sum, offset) => sum + (offset === 1 ? 0 : 3.5), 0);
    expect(Number(body.items[0].realized_savings)).toBeCloseTo(expected, 2);
  });

  it('names the field of a bad month', async () => {
    const response = await t.call('GET', '/v1/realized-savings?from=2026-13');
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toMatch(/from/);
    const yearZero = await t.call('GET', '/v1/realized-savings?to=0000-01');
    expect(yearZero.status).toBe(400);
    expect(JSON.stringify(yearZero.body)).toMatch(/to/);
  });
});
