/**
 * A budget alert fires once: evaluateBudgets, run as the cost.ingested consumer runs it (the cost
 * service's role, the tenant set) over spend in the rollups, publishes budget.threshold_crossed
 * once per threshold and budget period, however often and however concurrently it runs.
 * The budgets lie in 2024, before today, so setting them up through the API evaluates nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import { evaluateBudgets } from './budget-evaluation.ts';
import { spendQuery } from './budget-spend.repository.ts';
import { addSpend, linkAccount, startCostApp, thresholdEvents, type CostApp } from './budgets.fixtures.ts';

let cost: CostApp;
let organizationId: string;
let accounts = 0;

beforeAll(async () => {
  cost = await startCostApp();
  organizationId = cost.organizationId;
});

afterAll(async () => {
  await cost?.close();
});

/** A budget over its own new account's spend, so the tests' spend never mixes. */
async function budgetWithAlerts(
  budget: Record<string, unknown>,
  alerts: { threshold: number; threshold_type?: 'actual' | 'forecast' }[],
): Promise<{ id: string; spend: (day: string, amount: number, extra?: { tag?: [string, string] }) => Promise<void> }> {
  const accountId = await linkAccount(cost, organizationId, { account_id: String(100_000_000_000 + ++accounts) });
  const created = await cost.call('POST', '/v1/budgets', {
    body: {
      name: 'Team budget',
      amount: 1000,
      currency: 'USD',
      period: 'monthly',
      start_date: '2024-01-01',
      end_date: '2024-12-31',
      ...budget,
      filters: { cloud_account_ids: [accountId], ...(budget.filters as object | undefined) },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  for (const alert of alerts) {
    const added = await cost.call('POST', `/v1/budgets/${created.body.id}/alerts`, { body: alert });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
  }
  return {
    id: created.body.id,
    spend: (day, amount, extra = {}) => addSpend(cost, { organization_id: organizationId, cloud_account_id: accountId, day, amount, ...extra }),
  };
}

function evaluate(from: string, to: string, today = '2025-06-01'): Promise<number> {
  return withTenant(cost.deps.db, organizationId, (trx) => evaluateBudgets(trx, cost.deps.outbox, { organizationId, from, to }, { today }));
}

async function thresholdsPublished(budgetId: string): Promise<string[]> {
  const events = await thresholdEvents(cost, budgetId);
  return events.map((event) => `${event.data.period_start} ${event.data.threshold_type} ${event.data.threshold}`);
}

describe('a budget alert', () => {
  it('fires once per threshold and period', async () => {
    const budget = await budgetWithAlerts({ name: 'Data platform' }, [{ threshold: 80 }, { threshold: 100 }]);

    await budget.spend('2024-01-10', 500);
    expect(await evaluate('2024-01-10', '2024-01-11')).toBe(0);
    await budget.spend('2024-01-11', 300);
    // 800 of 1000: exactly 80% reaches the 80% threshold.
    expect(await evaluate('2024-01-11', '2024-01-12')).toBe(1);

    const [event] = await thresholdEvents(cost, budget.id);
    expect(event).toMatchObject({
      type: 'budget.threshold_crossed',
      tenant: organizationId,
      subject: budget.id,
      data: {
        budget_id: budget.id,
        budget_name: 'Data platform',
        threshold: '80',
        threshold_type: 'actual',
        period_start: '2024-01-01',
        period_end: '2024-01-31',
        spend: '800.000000',
        budget_amount: '1000.000000',
        currency: 'USD',
      },
    });
    // A period that is over has no forecast.
    expect(event!.data).not.toHaveProperty('forecast');

    // Again, and twice at once: nothing more.
    expect(await evaluate('2024-01-11', '2024-01-12')).toBe(0);
    expect(await Promise.all([evaluate('2024-01-01', '2024-02-01'), evaluate('2024-01-11', '2024-01-12')])).toEqual([0, 0]);
    await budget.spend('2024-01-12', 100);
    expect(await evaluate('2024-01-12', '2024-01-13')).toBe(0);
    expect(await thresholdsPublished(budget.id)).toEqual(['2024-01-01 actual 80']);

    // Crossing 100% later announces that threshold only.
    await budget.spend('2024-01-20', 150);
    expect(await evaluate('2024-01-20', '2024-01-21')).toBe(1);
    expect(await evaluate('2024-01-20', '2024-01-21')).toBe(0);
    expect(await thresholdsPublished(budget.id)).toEqual(['2024-01-01 actual 80', '2024-01-01 actual 100']);
    expect((await thresholdEvents(cost, budget.id))[1]!.data.spend).toBe('1050.000000');

    // The next period starts from nothing and fires again; an evaluation spanning both periods
    // announces nothing twice.
    await budget.spend('2024-02-03', 900);
    expect(await evaluate('2024-01-20', '2024-02-04')).toBe(1);
    await budget.spend('2024-02-28', 100);
    expect(await evaluate('2024-01-01', '2024-03-01')).toBe(1);
    expect(await thresholdsPublished(budget.id)).toEqual([
      '2024-01-01 actual 80',
      '2024-01-01 actual 100',
      '2024-02-01 actual 80',
      '2024-02-01 actual 100',
    ]);

    const firings = await withTenant(cost.deps.db, organizationId, (trx) =>
      trx
        .selectFrom('budget_alert_firings')
        .select(['period_start', 'period_end', 'spend'])
        .where('budget_id', '=', budget.id)
        .orderBy('period_start')
        .orderBy('spend')
        .execute(),
    );
    expect(firings).toEqual([
      { period_start: '2024-01-01', period_end: '2024-01-31', spend: '800.000000' },
      { period_start: '2024-01-01', period_end: '2024-01-31', spend: '1050.000000' },
      { period_start: '2024-02-01', period_end: '2024-02-29', spend: '900.000000' },
      { period_start: '2024-02-01', period_end: '2024-02-29', spend: '1000.000000' },
    ]);
  });

  it('newly crossed is announced once by evaluations running at the same time', async () => {
    const budget = await budgetWithAlerts({}, [{ threshold: 50 }, { threshold: 90 }]);
    await budget.spend('2024-05-05', 950);
    const published = await Promise.all([
      evaluate('2024-05-05', '2024-05-06'),
      evaluate('2024-05-01', '2024-06-01'),
      evaluate('2024-05-05', '2024-05-06'),
    ]);
    expect(published.reduce((sum, count) => sum + count, 0)).toBe(2);
    expect(await thresholdsPublished(budget.id)).toEqual(['2024-05-01 actual 50', '2024-05-01 actual 90']);
  });

  it('on the forecast fires in the current period only, on the billed days extrapolated to its end', async () => {
    const budget = await budgetWithAlerts({ amount: 100 }, [
      { threshold: 80 },
      { threshold: 100, threshold_type: 'forecast' },
      { threshold: 130, threshold_type: 'forecast' },
    ]);
    // February is over by 11 March: 99 spent reaches 80% actual; its forecast is not judged.
    await budget.spend('2024-02-15', 99);
    // 40 billed over the first 10 of March's 31 days: forecast 40 + 40 / 10 × 21 = 124.
    await budget.spend('2024-03-02', 25);
    await budget.spend('2024-03-10', 15);
    expect(await evaluate('2024-02-01', '2024-03-11', '2024-03-11')).toBe(2);

    const events = await thresholdEvents(cost, budget.id);
    expect(events.map((event) => `${event.data.period_start} ${event.data.threshold_type} ${event.data.threshold}`)).toEqual([
      '2024-02-01 actual 80',
      '2024-03-01 forecast 100',
    ]);
    expect(events[1]!.data).toMatchObject({ spend: '40.000000', forecast: '124.000000', period_end: '2024-03-31' });

    // Today's lines, still arriving, are not extrapolated: 30 billed on the 12th moves no forecast.
    await budget.spend('2024-03-12', 30);
    expect(await evaluate('2024-03-12', '2024-03-13', '2024-03-12')).toBe(0);
    // The next day the 11th has no line, the average of the 12 days billed through the 12th is 70 / 12: 180.833333.
    expect(await evaluate('2024-03-12', '2024-03-13', '2024-03-13')).toBe(1);
    expect((await thresholdEvents(cost, budget.id))[2]!.data).toMatchObject({ threshold: '130', threshold_type: 'forecast', forecast: '180.833333' });
  });

  it('of a quarterly budget with a tag filter fires on the spend carrying the tag', async () => {
    const budget = await budgetWithAlerts({ period: 'quarterly', amount: 300, filters: { tags: { team: 'data' } } }, [{ threshold: 100 }]);
    await budget.spend('2024-04-01', 500);
    await budget.spend('2024-04-01', 200, { tag: ['team', 'data'] });
    await budget.spend('2024-05-01', 50, { tag: ['team', 'web'] });
    expect(await evaluate('2024-04-01', '2024-07-01')).toBe(0);
    await budget.spend('2024-06-30', 100, { tag: ['team', 'data'] });
    expect(await evaluate('2024-06-30', '2024-07-01')).toBe(1);
    expect((await thresholdEvents(cost, budget.id))[0]!.data).toMatchObject({ period_start: '2024-04-01', period_end: '2024-06-30', spend: '300.000000' });
  });

  it('of a budget of 0 fires on the first cost, not before', async () => {
    const budget = await budgetWithAlerts({ amount: 0 }, [{ threshold: 100 }]);
    expect(await evaluate('2024-07-01', '2024-08-01')).toBe(0);
    await budget.spend('2024-07-04', 0.01);
    expect(await evaluate('2024-07-04', '2024-07-05')).toBe(1);
  });

  it('is not judged outside its budget dates', async () => {
    const budget = await budgetWithAlerts({ start_date: '2024-03-15', end_date: '2024-04-10', amount: 10 }, [{ threshold: 50 }]);
    await budget.spend('2024-03-14', 100);
    await budget.spend('2024-04-11', 100);
    expect(await evaluate('2024-03-01', '2024-03-15')).toBe(0);
    expect(await evaluate('2024-04-11', '2024-05-01')).toBe(0);
    // Within the dates, only the days inside them count.
    expect(await evaluate('2024-03-01', '2024-05-01')).toBe(0);
    await budget.spend('2024-04-10', 5);
    expect(await evaluate('2024-04-10', '2024-04-11')).toBe(1);
    expect((await thresholdEvents(cost, budget.id))[0]!.data).toMatchObject({ period_start: '2024-04-01', period_end: '2024-04-10', spend: '5.000000' });
  });
});

it('reads the spend of a budget period with one query on the rollups', () => {
  const tagged = spendQuery(
    { organization_id: organizationId, currency: 'USD', filters: { tags: { team: 'data' }, providers: ['AWS'], services: ['AmazonS3'] } },
    { start: '2024-04-01', end: '2024-06-30' },
    '2024-05-10',
  ).compile(cost.deps.db);
  expect(tagged.sql.replace(/\s+/g, ' ').trim()).toMatchInlineSnapshot(`"select coalesce(stratus_amount_text(sum(amount) filter (where currency = $1)), '0') as spend, coalesce(stratus_amount_text(sum(amount) filter (where currency = $2 and period_start < $3::date)), '0') as billed, (max(period_start) filter (where period_start < $4::date))::text as through from "cost_tag_rollups" where organization_id = $5::uuid and granularity = 'day' and period_start >= $6::date and period_start <= $7::date and tag_key = $8 and tag_value = $9 and provider = any($10::cloud_provider[]) and service = any($11::text[])"`);
  const plain = spendQuery(
    { organization_id: organizationId, currency: 'EUR', filters: { cloud_account_ids: [organizationId], regions: ['eu-west-1'] } },
    { start: '2024-04-01', end: '2024-04-30' },
    '2024-04-20',
  ).compile(cost.deps.db);
  expect(plain.sql.replace(/\s+/g, ' ').trim()).toMatchInlineSnapshot(`"select coalesce(stratus_amount_text(sum(amount) filter (where currency = $1)), '0') as spend, coalesce(stratus_amount_text(sum(amount) filter (where currency = $2 and period_start < $3::date)), '0') as billed, (max(period_start) filter (where period_start < $4::date))::text as through from "cost_rollups" where organization_id = $5::uuid and granularity = 'day' and period_start >= $6::date and period_start <= $7::date and cloud_account_id = any($8::uuid[]) and region = any($9::text[])"`);
  expect(plain.parameters).toEqual(['EUR', 'EUR', '2024-04-20', '2024-04-20', organizationId, '2024-04-01', '2024-04-30', [organizationId], ['eu-west-1']]);
});
