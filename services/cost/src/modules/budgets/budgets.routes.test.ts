/**
 * The budgets API as the cost service runs it: its database role, row-level security, the outbox.
 * Spend is today's (UTC) so the budgets' current period holds it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization, createApiToken } from '@stratus/auth';
import { addDays, utcDay } from '../../calendar.ts';
import { calendarPeriod } from './budget-periods.ts';
import { addSpend, linkAccount, startCostApp, thresholdEvents, type CostApp } from './budgets.fixtures.ts';

let cost: CostApp;
let call: CostApp['call'];
let organizationId: string;
let accountId: string;
let gcpAccountId: string;
let viewer: string;
let otherOrganization: string;
const today = utcDay(new Date());
const month = calendarPeriod('monthly', today);

beforeAll(async () => {
  cost = await startCostApp();
  ({ call, organizationId } = cost);
  viewer = (await createApiToken(cost.database.owner, { organizationId, userId: cost.userId, role: 'viewer' })).token;
  otherOrganization = (await bootstrapOrganization(cost.database.owner, { organizationName: 'B', adminEmail: 'admin@b.test' })).token.token;
  accountId = await linkAccount(cost, organizationId);
  gcpAccountId = await linkAccount(cost, organizationId, { provider: 'GCP', account_id: 'stratus-prod-4821' });
  const spend = (amount: number, extra: Partial<Parameters<typeof addSpend>[1]> = {}) =>
    addSpend(cost, { organization_id: organizationId, cloud_account_id: accountId, day: today, amount, ...extra });
  // This month: 100 on EC2 in eu-west-1, 20 on S3 in us-east-1, 7 on GCP, 1000 EUR; 30 tagged team=data.
  await spend(60);
  await spend(40, { day: month.start });
  await spend(20, { service: 'AmazonS3', region: 'us-east-1' });
  await spend(7, { cloud_account_id: gcpAccountId, provider: 'GCP', service: 'Compute Engine', region: 'europe-west1' });
  await spend(1000, { currency: 'EUR' });
  await spend(30, { tag: ['team', 'data'] });
  await spend(5, { tag: ['team', 'web'] });
  // Last month does not count.
  await spend(500, { day: addDays(month.start, -1) });
});

afterAll(async () => {
  await cost?.close();
});

function createBudget(body: Record<string, unknown>, token?: string) {
  return call('POST', '/v1/budgets', { token, body: { name: 'Cloud', amount: 1000, currency: 'USD', period: 'monthly', ...body } });
}

describe('budgets', () => {
  it('are created, listed, read, changed and deleted', async () => {
    const created = await createBudget({ name: 'Platform', amount: '2500.50', end_date: '2099-12-31' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({
      name: 'Platform',
      amount: '2500.500000',
      currency: 'USD',
      period: 'monthly',
      start_date: month.start,
      end_date: '2099-12-31',
      filters: {},
      created_by: cost.userId,
      alerts: [],
      current_period: { start: month.start, end: month.end, spend: '127.000000' },
    });

    const list = await call('GET', '/v1/budgets?limit=10');
    expect(list.status).toBe(200);
    expect(list.body.items.map((budget: { id: string }) => budget.id)).toContain(id);
    expect(list.body.items[0]).not.toHaveProperty('current_period');

    const changed = await call('PATCH', `/v1/budgets/${id}`, { body: { name: 'Platform (all)', period: 'quarterly', end_date: null } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Platform (all)', period: 'quarterly', end_date: null, amount: '2500.500000' });
    expect(changed.body.current_period.start).toBe(month.start);
    expect(changed.body.current_period.end).toBe(calendarPeriod('quarterly', today).end);

    expect((await call('DELETE', `/v1/budgets/${id}`)).status).toBe(204);
    expect(await call('GET', `/v1/budgets/${id}`)).toMatchObject({ status: 404, body: { error: 'not_found', message: `budget ${id} not found` } });
    expect((await call('DELETE', `/v1/budgets/${id}`)).status).toBe(404);
  });

  it('pages the list newest first', async () => {
    const ids: string[] = [];
    for (const name of ['P1', 'P2', 'P3']) ids.push((await createBudget({ name })).body.id);
    const first = await call('GET', '/v1/budgets?limit=2');
    expect(first.body.items.map((budget: { id: string }) => budget.id)).toEqual([ids[2], ids[1]]);
    const second = await call('GET', `/v1/budgets?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items[0].id).toBe(ids[0]);
  });

  it("report the current period's spend, percentage used and the month-end forecast of GET /v1/costs/forecast", async () => {
    const { body } = await createBudget({ amount: 200 });
    // Only the 40 of the month's first day is billed before today: 40 a day over the month, from the 2nd on.
    const forecast = month.start < today ? `${40 * (Number(month.end.slice(8)))}.000000` : null;
    expect(body.current_period).toEqual({
      start: month.start,
      end: month.end,
      spend: '127.000000',
      forecast,
      percent_used: 63.5,
      forecast_percent: forecast === null ? null : Number(forecast) / 2,
    });
    const detail = await call('GET', `/v1/budgets/${body.id}`, { token: viewer });
    expect(detail.status).toBe(200);
    expect(detail.body.current_period).toEqual(body.current_period);
    // One rule: the costs API forecasts the same month-end spend from the same lines.
    const costs = await call('GET', '/v1/costs/forecast', { token: viewer });
    expect(costs.body.items.find((item: { currency: string }) => item.currency === 'USD').forecast).toBe(forecast);
  });

  it.each([
    ['providers', { providers: ['AWS'] }, '120.000000'],
    ['providers (several)', { providers: ['AWS', 'GCP'] }, '127.000000'],
    ['accounts', { cloud_account_ids: ['GCP_ACCOUNT'] }, '7.000000'],
    ['services', { services: ['AmazonS3', 'Compute Engine'] }, '27.000000'],
    ['regions', { regions: ['eu-west-1'] }, '100.000000'],
    ['every filter', { providers: ['AWS'], services: ['AmazonEC2'], regions: ['eu-west-1', 'us-east-1'] }, '100.000000'],
    ['a tag', { tags: { team: 'data' } }, '30.000000'],
    ['a tag and a service', { tags: { team: 'data' }, services: ['AmazonS3'] }, '0'],
    ['nothing matching', { regions: ['ap-south-1'] }, '0'],
  ])('count only the spend their filters select: %s', async (_, filters, spend) => {
    const resolved = JSON.parse(JSON.stringify(filters).replace('GCP_ACCOUNT', gcpAccountId));
    const created = await createBudget({ filters: resolved });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.filters).toEqual(resolved);
    expect(created.body.current_period.spend).toBe(spend);
  });

  it('count only the spend billed in their currency', async () => {
    const { body } = await createBudget({ currency: 'eur', amount: 100 });
    expect(body).toMatchObject({ currency: 'EUR', current_period: { spend: '1000.000000', percent_used: 1000 } });
  });

  it.each([
    ['no body fields', {}, 'body.name'],
    ['a negative amount', { amount: -5 }, 'body.amount Too small'],
    ['an amount with 7 decimals', { amount: '1.1234567' }, 'body.amount must be a non-negative decimal'],
    ['an amount that is no number', { amount: true }, 'body.amount must be a non-negative decimal'],
    ['an unknown period', { period: 'weekly' }, 'body.period'],
    ['a bad currency', { currency: 'dollars' }, 'body.currency'],
    ['a bad date', { start_date: '2025-02-30' }, 'body.start_date'],
    ['an end before the start', { start_date: '2025-03-01', end_date: '2025-02-28' }, 'end_date must be on or after start_date'],
    ['an unknown filter', { filters: { accounts: ['x'] } }, 'body.filters'],
    ['an unknown provider', { filters: { providers: ['IBM'] } }, 'body.filters.providers'],
    ['an empty filter list', { filters: { services: [] } }, 'body.filters.services'],
    ['tags with regions', { filters: { tags: { team: 'data' }, regions: ['eu-west-1'] } }, 'cannot be combined with tags'],
    ['two tags', { filters: { tags: { team: 'data', env: 'prod' } } }, 'must hold exactly one tag (got 2)'],
    ['a cloud account id that is no uuid', { filters: { cloud_account_ids: ['123'] } }, 'body.filters.cloud_account_ids'],
  ])('are refused with %s', async (_, body, message) => {
    const response = await call('POST', '/v1/budgets', { body: Object.keys(body).length === 0 ? {} : { name: 'X', amount: 1, currency: 'USD', period: 'monthly', ...body } });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error).toBe('invalid');
    expect(response.body.message).toContain(message);
  });

  it('are refused with a cloud account the organisation does not have', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const response = await createBudget({ filters: { cloud_account_ids: [accountId, unknown] } });
    expect(response).toMatchObject({ status: 400, body: { error: 'invalid', details: { unknown_cloud_account_ids: [unknown] } } });
  });

  it('refuse a change that ends a budget before it starts, or changes nothing', async () => {
    const { body } = await createBudget({ start_date: '2025-03-01' });
    const backwards = await call('PATCH', `/v1/budgets/${body.id}`, { body: { end_date: '2025-02-01' } });
    expect(backwards).toMatchObject({ status: 400, body: { message: 'invalid request: end_date 2025-02-01 is before start_date 2025-03-01' } });
    const empty = await call('PATCH', `/v1/budgets/${body.id}`, { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toContain('give at least one of');
  });

  it('are read by viewers and written only with budgets:write', async () => {
    expect((await call('GET', '/v1/budgets', { token: viewer })).status).toBe(200);
    const refused = await createBudget({}, viewer);
    expect(refused.status).toBe(403);
  });

  it('of one organisation are invisible to another', async () => {
    const { body } = await createBudget({ name: 'Private' });
    const token = otherOrganization;
    expect((await call('GET', `/v1/budgets/${body.id}`, { token })).status).toBe(404);
    expect((await call('PATCH', `/v1/budgets/${body.id}`, { token, body: { name: 'Mine' } })).status).toBe(404);
    expect((await call('DELETE', `/v1/budgets/${body.id}`, { token })).status).toBe(404);
    expect((await call('GET', `/v1/budgets/${body.id}/alerts`, { token })).status).toBe(404);
    expect((await call('POST', `/v1/budgets/${body.id}/alerts`, { token, body: { threshold: 50 } })).status).toBe(404);
    expect((await call('GET', '/v1/budgets', { token })).body.items).toEqual([]);
    // Nor can its cloud accounts be named in a filter.
    const foreign = await createBudget({ filters: { cloud_account_ids: [accountId] } }, token);
    expect(foreign.status).toBe(400);
    expect((await call('GET', `/v1/budgets/${body.id}`)).body.name).toBe('Private');
  });
});

describe('budget alerts', () => {
  it('are added, listed, changed and removed', async () => {
    const budget = (await createBudget({ amount: 1000 })).body;
    const base = `/v1/budgets/${budget.id}/alerts`;
    const added = await call('POST', base, { body: { threshold: 80 } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({
      budget_id: budget.id,
      threshold: 80,
      threshold_type: 'actual',
      notification_channels: [{ type: 'in_app' }],
      last_fired_at: null,
    });
    const channels = [{ type: 'email', to: 'finops@a.test' }, { type: 'webhook', url: 'https://hooks.a.test/budget' }];
    const forecast = await call('POST', base, { body: { threshold: 120.5, threshold_type: 'forecast', notification_channels: channels } });
    expect(forecast.status, JSON.stringify(forecast.body)).toBe(201);
    expect(forecast.body).toMatchObject({ threshold: 120.5, threshold_type: 'forecast', notification_channels: channels });

    const duplicate = await call('POST', base, { body: { threshold: 80 } });
    expect(duplicate).toMatchObject({ status: 409, body: { error: 'conflict', details: { budget_alert_id: added.body.id } } });

    const list = await call('GET', base, { token: viewer });
    expect(list.body.items.map((alert: { id: string }) => alert.id)).toEqual([added.body.id, forecast.body.id]);
    expect((await call('GET', `/v1/budgets/${budget.id}`)).body.alerts).toEqual(list.body.items);

    const changed = await call('PATCH', `${base}/${added.body.id}`, { body: { threshold: 90, notification_channels: channels } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ threshold: 90, threshold_type: 'actual', notification_channels: channels });
    const clash = await call('PATCH', `${base}/${added.body.id}`, { body: { threshold: 120.5, threshold_type: 'forecast' } });
    expect(clash.status).toBe(409);

    expect((await call('DELETE', `${base}/${added.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `${base}/${added.body.id}`)).status).toBe(404);
    expect((await call('PATCH', `${base}/${added.body.id}`, { body: { threshold: 1 } })).status).toBe(404);
    expect((await call('GET', base)).body.items).toHaveLength(1);
  });

  it.each([
    ['a threshold of 0', { threshold: 0 }, 'body.threshold'],
    ['a threshold with 3 decimals', { threshold: 80.125 }, 'body.threshold'],
    ['a threshold over 999.99', { threshold: 1000 }, 'body.threshold'],
    ['an unknown type', { threshold: 80, threshold_type: 'budgeted' }, 'body.threshold_type'],
    ['no channels', { threshold: 80, notification_channels: [] }, 'body.notification_channels'],
    ['an unknown channel', { threshold: 80, notification_channels: [{ type: 'sms', to: '+100' }] }, 'body.notification_channels'],
    ['an email channel without address', { threshold: 80, notification_channels: [{ type: 'email', to: 'nobody' }] }, 'body.notification_channels'],
    ['a plain http webhook', { threshold: 80, notification_channels: [{ type: 'webhook', url: 'http://hooks.a.test' }] }, 'body.notification_channels'],
  ])('are refused with %s', async (_, body, field) => {
    const budget = (await createBudget({})).body;
    const response = await call('POST', `/v1/budgets/${budget.id}/alerts`, { body });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.message).toContain(field);
  });

  it('announce a threshold the current period already reached as soon as they are added, once', async () => {
    // Spend this month is 127 USD: 127% of 100.
    const budget = (await createBudget({ name: 'Overrun', amount: 100 })).body;
    const base = `/v1/budgets/${budget.id}/alerts`;
    const alert = (await call('POST', base, { body: { threshold: 100 } })).body;
    expect((await call('POST', base, { body: { threshold: 150 } })).status).toBe(201);

    let events = await thresholdEvents(cost, budget.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'budget.threshold_crossed',
      tenant: organizationId,
      subject: budget.id,
      data: {
        budget_id: budget.id,
        budget_name: 'Overrun',
        budget_alert_id: alert.id,
        threshold: '100',
        threshold_type: 'actual',
        period_start: month.start,
        period_end: month.end,
        spend: '127.000000',
        budget_amount: '100.000000',
        currency: 'USD',
      },
    });
    expect((await call('GET', base)).body.items[0].last_fired_at).not.toBeNull();

    // Renaming the budget or changing where the alert goes announces nothing again.
    await call('PATCH', `/v1/budgets/${budget.id}`, { body: { name: 'Overrun!' } });
    await call('PATCH', `${base}/${alert.id}`, { body: { notification_channels: [{ type: 'email', to: 'a@a.test' }] } });
    await call('PATCH', `/v1/budgets/${budget.id}`, { body: { amount: '100.000' } });
    expect(await thresholdEvents(cost, budget.id)).toHaveLength(1);

    // A new threshold is judged afresh; so is a new amount, for every threshold.
    await call('PATCH', `${base}/${alert.id}`, { body: { threshold: 110 } });
    events = await thresholdEvents(cost, budget.id);
    expect(events.map((event) => event.data.threshold)).toEqual(['100', '110']);
    await call('PATCH', `/v1/budgets/${budget.id}`, { body: { amount: 80 } });
    events = await thresholdEvents(cost, budget.id);
    expect(events.map((event) => [event.data.threshold, event.data.budget_amount])).toEqual([
      ['100', '100.000000'],
      ['110', '100.000000'],
      ['110', '80.000000'],
      ['150', '80.000000'],
    ]);
  });

  it('go with their budget', async () => {
    const budget = (await createBudget({ amount: 100 })).body;
    await call('POST', `/v1/budgets/${budget.id}/alerts`, { body: { threshold: 50 } });
    expect((await call('DELETE', `/v1/budgets/${budget.id}`)).status).toBe(204);
    const left = await cost.database.owner.selectFrom('budget_alerts').select('id').where('budget_id', '=', budget.id).execute();
    expect(left).toEqual([]);
  });
});

it('documents every route in the OpenAPI document', async () => {
  const response = await cost.app.inject({ method: 'GET', url: '/docs/json' });
  expect(response.statusCode).toBe(200);
  const paths = (response.json() as { paths: Record<string, Record<string, { summary?: string; tags?: string[] }>> }).paths;

  expect(Object.keys(paths['/v1/budgets'] ?? {}).sort()).toEqual(['get', 'post']);
  expect(Object.keys(paths['/v1/budgets/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
  expect(Object.keys(paths['/v1/budgets/{id}/alerts'] ?? {}).sort()).toEqual(['get', 'post']);
  expect(Object.keys(paths['/v1/budgets/{id}/alerts/{alertId}'] ?? {}).sort()).toEqual(['delete', 'patch']);
  for (const path of Object.keys(paths).filter((path) => path.startsWith('/v1/budgets'))) {
    for (const operation of Object.values(paths[path]!)) expect(operation).toMatchObject({ summary: expect.any(String), tags: ['budgets'] });
  }
  expect(JSON.stringify(paths['/v1/budgets']?.post)).toContain('cloud_account_ids');
});
