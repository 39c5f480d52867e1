/**
 * The cost API as the cost service runs it (its database role, row-level security) over cost lines
 * generated here and rollups computed from them by SQL, as the consumer keeps them. Every answer must
 * equal the sums of the same lines computed in JS, whichever table served it. The lines cover the
 * two months before the current one and the current month through today (UTC).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { bootstrapOrganization } from '@stratus/auth';
import { fromUnits, toUnits, withTenant, type CloudProvider } from '@stratus/db';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';
import { addDays, addMonths, daysBetween, monthOf, planCostQuery, utcDay, type CostQuestion, type Dimension } from './cost-plan.ts';
import { orderedCostRows, readInBatches } from './costs.queries.ts';

/** The lines are generated in millionths, as the API's amounts have at least 6 decimals. */
const MICRO = 10n ** 18n;
const fromMicros = (micros: bigint) => fromUnits(micros * MICRO);
const toMicros = (amount: string) => toUnits(amount) / MICRO;

interface Line {
  account: 'aws' | 'gcp';
  provider: CloudProvider;
  service: string | null;
  region: string | null;
  resource: string | null;
  day: string;
  hour: number;
  amount: string;
  currency: string;
  tags: Record<string, string>;
  /** False: the line of an import still arriving, which counts nowhere. */
  applied: boolean;
}

type Series = Omit<Line, 'day' | 'hour' | 'amount' | 'applied'> & { credit?: boolean; twice?: boolean };

const SERIES: Series[] = [
  { account: 'aws', provider: 'AWS', service: 'AmazonEC2', region: 'eu-west-1', resource: 'i-web', currency: 'USD', tags: { env: 'prod', team: 'core' }, twice: true },
  { account: 'aws', provider: 'AWS', service: 'AmazonEC2', region: 'us-east-1', resource: 'i-batch', currency: 'USD', tags: { env: 'dev' } },
  { account: 'aws', provider: 'AWS', service: 'AmazonS3', region: 'us-east-1', resource: 'bucket-logs', currency: 'USD', tags: { team: 'data, "ml"' } },
  { account: 'aws', provider: 'AWS', service: null, region: null, resource: null, currency: 'USD', tags: {} },
  { account: 'aws', provider: 'AWS', service: 'AWS Support', region: null, resource: null, currency: 'USD', tags: { env: 'prod' }, credit: true },
  { account: 'aws', provider: 'AWS', service: 'AmazonRDS', region: 'eu-west-1', resource: 'db-main', currency: 'EUR', tags: { env: 'prod', team: 'core' } },
  { account: 'gcp', provider: 'GCP', service: 'Compute Engine', region: 'europe-west1', resource: 'vm-1', currency: 'USD', tags: { env: 'prod', team: 'data, "ml"' } },
];

const today = utcDay(new Date());
const month = monthOf(today);
const start = addMonths(month.from, -2);
const lastMonth = { from: addMonths(month.from, -1), to: month.from };

function generateLines(): Line[] {
  const lines: Line[] = [];
  for (let day = start; day <= today; day = addDays(day, 1)) {
    const n = daysBetween(start, day);
    SERIES.forEach(({ credit, twice, ...series }, index) => {
      if ((n + index) % 6 === 5) return;
      const micros = BigInt(((n * 7_919 + index * 104_729) % 9_000_000) + 1_000);
      const amount = fromMicros(credit ? -micros / 10n : micros);
      lines.push({ ...series, day, hour: 3, amount, applied: true });
      if (twice) lines.push({ ...series, day, hour: 15, amount: fromMicros(micros * 3n), applied: true });
      if (index === 0 && n % 10 === 0) lines.push({ ...series, day, hour: 9, amount: '1000.000000', applied: false });
    });
  }
  return lines;
}

const lines = generateLines();

let cost: TestApp<typeof env>;
let call: TestApp<typeof env>['call'];
let accounts: Record<Line['account'], string>;
let otherToken: string;

beforeAll(async () => {
  cost = await startTestApp(service);
  call = cost.call;
  const owner = cost.database.owner;
  const organization_id = cost.organizationId;
  const linked = await owner
    .insertInto('cloud_accounts')
    .values([
      { organization_id, name: 'Production', provider: 'AWS', account_id: '123456789012' },
      { organization_id, name: 'Analytics', provider: 'GCP', account_id: 'analytics-4821' },
    ])
    .returning(['id', 'provider'])
    .execute();
  accounts = { aws: linked.find((account) => account.provider === 'AWS')!.id, gcp: linked.find((account) => account.provider === 'GCP')!.id };
  const imports = { aws: crypto.randomUUID(), gcp: crypto.randomUUID(), receiving: crypto.randomUUID() };
  await owner
    .insertInto('cost_import_progress')
    .values([
      { import_id: imports.aws, organization_id, cloud_account_id: accounts.aws, source: 'file', status: 'applied' },
      { import_id: imports.gcp, organization_id, cloud_account_id: accounts.gcp, source: 'provider', status: 'applied' },
      { import_id: imports.receiving, organization_id, cloud_account_id: accounts.aws, source: 'file', status: 'receiving' },
    ])
    .execute();
  await owner
    .insertInto('cost_data')
    .values(
      lines.map((line) => ({
        organization_id,
        cloud_account_id: accounts[line.account],
        provider: line.provider,
        service: line.service,
        region: line.region,
        provider_resource_id: line.resource,
        timestamp: new Date(`${line.day}T${String(line.hour).padStart(2, '0')}:00:00Z`),
        amount: line.amount,
        currency: line.currency,
        granularity: 'hourly' as const,
        dimensions: JSON.stringify({ tags: line.tags }),
        import_id: line.applied ? imports[line.account] : imports.receiving,
      })),
    )
    .execute();
  await seedRollups();
  await owner
    .insertInto('resources')
    .values({ organization_id, cloud_account_id: accounts.aws, provider: 'AWS', provider_resource_id: 'i-web', name: 'web-1', type: 'EC2' })
    .execute();
  otherToken = (await bootstrapOrganization(owner, { organizationName: 'B', adminEmail: 'admin@b.test' })).token.token;
});

afterAll(async () => {
  await cost?.close();
});

/** The rollups of the counted lines, computed by the owner straight from cost_data. */
async function seedRollups(): Promise<void> {
  const counted = sql`
    counted as (
      select c.*, (c."timestamp" at time zone 'UTC')::date as day, coalesce(c.service, '') as service_key
        from cost_data c
       where not exists (select 1 from cost_import_progress p where p.import_id = c.import_id and p.status <> 'applied')
    ), periods as (
      select c.*, g.rollup, case g.rollup when 'day' then c.day else date_trunc('month', c.day)::date end as period_start
        from counted c cross join (values ('day'), ('month')) g (rollup)
    )`;
  await sql`
    with ${counted}
    insert into cost_rollups
    select organization_id, rollup, period_start, cloud_account_id, provider, service_key, coalesce(region, ''), currency,
           sum(amount), count(*)
      from periods group by 1, 2, 3, 4, 5, 6, 7, 8
  `.execute(cost.database.owner);
  await sql`
    with ${counted}
    insert into cost_tag_rollups
    select organization_id, rollup, period_start, t.key, t.value, cloud_account_id, provider, service_key, currency,
           sum(amount), count(*)
      from periods cross join lateral jsonb_each_text(dimensions -> 'tags') t
     group by 1, 2, 3, 4, 5, 6, 7, 8, 9
  `.execute(cost.database.owner);
  await sql`
    with ${counted}
    insert into cost_resource_rollups
    select organization_id, period_start, cloud_account_id, provider, coalesce(provider_resource_id, ''), service_key,
           coalesce(region, ''), currency, sum(amount), count(*)
      from periods where rollup = 'month' group by 1, 2, 3, 4, 5, 6, 7, 8
  `.execute(cost.database.owner);
}

interface Item {
  period: string;
  group: Record<string, string | null>;
  currency: string;
  amount: string;
}

interface Question {
  group_by: Dimension[];
  granularity: CostQuestion['granularity'];
  from: string;
  to: string;
  provider?: CloudProvider;
  account?: Line['account'];
  service?: string;
  region?: string;
  tags?: Record<string, string>;
}

function valueOf(line: Line, dimension: Dimension): string | null | undefined {
  switch (dimension) {
    case 'provider':
      return line.provider;
    case 'account':
      return accounts[line.account];
    case 'service':
    case 'region':
    case 'resource':
      return line[dimension];
    default:
      return line.tags[dimension.slice('tag:'.length)];
  }
}

/** What the API must answer, summed from the lines here. */
function expected(question: Question): Item[] {
  const { group_by, granularity, from, to, tags = {} } = question;
  const sums = new Map<string, Item & { micros: bigint }>();
  for (const line of lines) {
    if (!line.applied || line.day < from || line.day >= to) continue;
    if ((['provider', 'service', 'region'] as const).some((key) => question[key] !== undefined && line[key] !== question[key])) continue;
    if (question.account !== undefined && line.account !== question.account) continue;
    if (Object.entries(tags).some(([key, value]) => line.tags[key] !== value)) continue;
    const values = group_by.map((dimension) => valueOf(line, dimension));
    if (values.includes(undefined)) continue;
    const period = granularity === 'day' ? line.day : granularity === 'month' ? monthOf(line.day).from : from;
    const group = Object.fromEntries(group_by.map((dimension, index) => [dimension, values[index] ?? null]));
    const key = JSON.stringify([period, group, line.currency]);
    const sum = sums.get(key) ?? { period, group, currency: line.currency, amount: '', micros: 0n };
    sums.set(key, { ...sum, micros: sum.micros + toMicros(line.amount) });
  }
  return [...sums.values()].map(({ micros, ...item }) => ({ ...item, amount: fromMicros(micros) }));
}

function queryOf(question: Question): string {
  const { group_by, tags = {}, account, ...rest } = question;
  const params = new URLSearchParams({ group_by: group_by.join(','), ...(account ? { account: accounts[account] } : {}) });
  for (const [key, value] of Object.entries(rest)) params.set(key, String(value));
  for (const [key, value] of Object.entries(tags)) params.append('tag', `${key}=${value}`);
  return params.toString();
}

/** Every page of a breakdown, followed through next_cursor. */
async function breakdown(query: string, token?: string) {
  const pages = [];
  let cursor: string | null = null;
  do {
    const response = await call('GET', `/v1/costs/breakdown?${query}${cursor ? `&cursor=${cursor}` : ''}`, token ? { token } : {});
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    pages.push(response.body);
    cursor = response.body.next_cursor;
  } while (cursor);
  return { ...pages[0], pages: pages.length, items: pages.flatMap((page) => page.items as Item[]) };
}

const canonical = (items: Item[]) => items.map((item) => JSON.stringify(item)).sort();

function expectBreakdownOrder(items: Item[]): void {
  for (const [index, item] of items.entries()) {
    const previous = items[index - 1];
    if (!previous) continue;
    expect(previous.period <= item.period).toBe(true);
    if (previous.period === item.period) expect(toMicros(previous.amount) >= toMicros(item.amount)).toBe(true);
  }
}

const QUESTIONS: Array<{ question: Question; table: string }> = [
  { question: { group_by: ['service'], granularity: 'month', from: start, to: month.from }, table: 'cost_rollups' },
  { question: { group_by: ['account', 'region'], granularity: 'day', from: addDays(lastMonth.from, 4), to: addDays(lastMonth.from, 19), provider: 'AWS' }, table: 'cost_rollups' },
  { question: { group_by: ['service'], granularity: 'month', from: addDays(start, 9), to: addDays(lastMonth.from, 9) }, table: 'cost_rollups' },
  { question: { group_by: ['provider'], granularity: 'total', from: start, to: month.from, region: 'us-east-1' }, table: 'cost_rollups' },
  { question: { group_by: [], granularity: 'month', from: start, to: month.to }, table: 'cost_rollups' },
  { question: { group_by: ['tag:env'], granularity: 'month', from: start, to: month.from, service: 'AmazonEC2' }, table: 'cost_tag_rollups' },
  { question: { group_by: ['service'], granularity: 'day', from: lastMonth.from, to: addDays(lastMonth.from, 10), tags: { team: 'core' } }, table: 'cost_tag_rollups' },
  { question: { group_by: ['tag:team', 'account'], granularity: 'total', from: start, to: month.from, tags: { team: 'data, "ml"' } }, table: 'cost_tag_rollups' },
  { question: { group_by: ['resource'], granularity: 'month', from: start, to: month.from }, table: 'cost_resource_rollups' },
  { question: { group_by: ['resource', 'service'], granularity: 'total', from: lastMonth.from, to: month.from, region: 'us-east-1' }, table: 'cost_resource_rollups' },
  { question: { group_by: ['tag:env', 'region'], granularity: 'month', from: start, to: month.from }, table: 'cost_data' },
  { question: { group_by: ['resource'], granularity: 'day', from: lastMonth.from, to: addDays(lastMonth.from, 7), account: 'aws' }, table: 'cost_data' },
  { question: { group_by: ['tag:team'], granularity: 'total', from: start, to: month.to, tags: { env: 'prod' } }, table: 'cost_data' },
  { question: { group_by: ['resource'], granularity: 'month', from: addDays(start, 3), to: month.from }, table: 'cost_data' },
];

describe('GET /v1/costs/breakdown', () => {
  it.each(QUESTIONS)('answers $question.group_by by $question.granularity from $table as the lines sum up', async ({ question, table }) => {
    const answer = await breakdown(queryOf(question));
    expect(answer).toMatchObject({
      from: question.from,
      to: question.to,
      granularity: question.granularity,
      group_by: question.group_by,
      source: table === 'cost_data' ? 'raw' : 'rollup',
      source_table: table,
    });
    const want = expected(question);
    expect(want.length).toBeGreaterThan(0);
    expect(canonical(answer.items)).toEqual(canonical(want));
    expectBreakdownOrder(answer.items);
  });

  it('answers from raw lines exactly what the rollups answer to the same question', async () => {
    const rowsOf = (plan: ReturnType<typeof planCostQuery>) =>
      withTenant(cost.deps.db, cost.organizationId, (trx) => orderedCostRows(plan).execute(trx)).then(({ rows }) => rows);
    for (const { question, table } of QUESTIONS.filter(({ table }) => table !== 'cost_data')) {
      const { group_by, granularity, from, to, account, tags, ...filters } = question;
      const rollup = planCostQuery(
        { groupBy: group_by, granularity, range: { from, to }, filters: { ...filters, tags, account: account && accounts[account] } },
        { rawFrom: start },
      );
      expect(rollup.table).toBe(table);
      const fromRollup = await rowsOf(rollup);
      expect(fromRollup.length).toBeGreaterThan(0);
      expect(await rowsOf({ ...rollup, table: 'cost_data', rows: 'day' })).toEqual(fromRollup);
    }
  });

  it("filters by a resource group: its members' lines only, from the resource rollups by month and raw lines by day", async () => {
    const owner = cost.database.owner;
    const { id: resourceId } = await owner.selectFrom('resources').select('id').where('provider_resource_id', '=', 'i-web').executeTakeFirstOrThrow();
    const group = await owner
      .insertInto('resource_groups')
      .values({ organization_id: cost.organizationId, cloud_account_id: accounts.aws!, name: 'web tier' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await owner.insertInto('resource_group_memberships').values({ organization_id: cost.organizationId, resource_group_id: group.id, resource_id: resourceId }).execute();
    for (const [granularity, table] of [['month', 'cost_resource_rollups'], ['day', 'cost_data']] as const) {
      const range = `from=${lastMonth.from}&to=${lastMonth.to}&granularity=${granularity}`;
      const grouped = await breakdown(`group_by=resource&group=${group.id}&${range}`);
      expect(grouped.source_table).toBe(table);
      const everyResource = await breakdown(`group_by=resource&${range}`);
      expect(grouped.items.length).toBeGreaterThan(0);
      expect(canonical(grouped.items)).toEqual(canonical(everyResource.items.filter((item: { group: { resource: string } }) => item.group.resource === 'i-web')));
    }
  });

  it("filters by a resource: its own lines only, by month and by day, and none for a resource of no cost", async () => {
    const owner = cost.database.owner;
    const { id: resourceId } = await owner.selectFrom('resources').select('id').where('provider_resource_id', '=', 'i-web').executeTakeFirstOrThrow();
    for (const [granularity, table] of [['month', 'cost_resource_rollups'], ['day', 'cost_data']] as const) {
      const range = `from=${lastMonth.from}&to=${lastMonth.to}&granularity=${granularity}`;
      const own = await breakdown(`group_by=service&resource=${resourceId}&${range}`);
      expect(own.source_table).toBe(table);
      const byResource = await breakdown(`group_by=resource,service&${range}`);
      const web = byResource.items.filter((item: { group: { resource: string } }) => item.group.resource === 'i-web');
      expect(own.items.length).toBeGreaterThan(0);
      expect(canonical(own.items)).toEqual(canonical(web.map((item: Item) => ({ ...item, group: { service: item.group.service } }))));
    }
    expect((await breakdown(`resource=${crypto.randomUUID()}&from=${lastMonth.from}&to=${lastMonth.to}`)).items).toEqual([]);
  });

  it('defaults to the current month by service, and null stands for no service', async () => {
    const answer = await breakdown('');
    expect(answer).toMatchObject({ from: month.from, to: month.to, granularity: 'month', group_by: ['service'], source: 'rollup' });
    expect(canonical(answer.items)).toEqual(canonical(expected({ group_by: ['service'], granularity: 'month', ...month })));
    expect(answer.items.some((item: Item) => item.group.service === null)).toBe(true);
  });

  it('walks every row exactly once through the cursor, in the unpaged order', async () => {
    const query = `group_by=account,service,region&granularity=day&from=${lastMonth.from}&to=${addDays(lastMonth.from, 12)}`;
    const whole = await breakdown(`${query}&limit=500`);
    const paged = await breakdown(`${query}&limit=7`);
    expect(whole.pages).toBe(1);
    expect(paged.pages).toBe(Math.ceil(whole.items.length / 7));
    expect(paged.items).toEqual(whole.items);
    expect(new Set(paged.items.map((item: Item) => JSON.stringify(item))).size).toBe(paged.items.length);
  });

  it.each([
    ['from=2025-03-01&to=2025-03-01', /from \(2025-03-01\) must be before to/],
    ['from=2025-02-30', /from/],
    ['group_by=service,colour', /colour: not a dimension; use provider, account, service, region, resource or tag:<key>/],
    ['group_by=service,service', /service given more than once/],
    ['tag=env', /"env" must be key=value/],
    ['tag=env=prod&tag=env=dev', /tag env is given two values/],
    ['granularity=week', /granularity/],
    ['from=2010-01-01&to=2025-01-01', /longer than 120 months/],
    [`group_by=resource&granularity=day&from=${addMonths(month.from, -1)}&to=${addMonths(month.from, 24)}`, /read from raw cost lines, at most 24 months/],
    [`group_by=tag:env,region&from=${addMonths(month.from, -30)}&to=${addMonths(month.from, -29)}`, /tag rollups keep no region.*kept from \d{4}-\d{2}-01 on/],
    ['cursor=bm90LWEtY3Vyc29y', /cursor is not a next_cursor this API returned/],
    ['limit=0', /limit/],
  ])('refuses %s with 400 and a message', async (query, message) => {
    const response = await call('GET', `/v1/costs/breakdown?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid');
    expect(response.body.message).toMatch(message);
  });

  it("refuses a cursor of another group_by", async () => {
    const first = await call('GET', `/v1/costs/breakdown?group_by=service,region&from=${start}&to=${month.from}&limit=1`);
    const response = await call('GET', `/v1/costs/breakdown?group_by=service&from=${start}&to=${month.from}&cursor=${first.body.next_cursor}`);
    expect(response).toMatchObject({ status: 400, body: { message: expect.stringMatching(/start again without cursor/) } });
  });

  it('names the days of the range still estimated for the accounts filtered, and none to another organisation', async () => {
    const days = [addDays(lastMonth.from, 3), addDays(lastMonth.from, 4), addDays(month.from, 1)];
    await cost.database.owner
      .insertInto('cost_estimated_days')
      .values([
        { organization_id: cost.organizationId, cloud_account_id: accounts.aws, day: days[0]!, import_id: crypto.randomUUID() },
        { organization_id: cost.organizationId, cloud_account_id: accounts.aws, day: days[1]!, import_id: crypto.randomUUID() },
        { organization_id: cost.organizationId, cloud_account_id: accounts.gcp, day: days[1]!, import_id: crypto.randomUUID() },
        { organization_id: cost.organizationId, cloud_account_id: accounts.gcp, day: days[2]!, import_id: crypto.randomUUID() },
      ])
      .execute();
    try {
      const range = `from=${lastMonth.from}&to=${month.to}`;
      expect((await breakdown(range)).estimated_days).toEqual(days);
      expect((await breakdown(`${range}&account=${accounts.aws}`)).estimated_days).toEqual(days.slice(0, 2));
      expect((await breakdown(`${range}&provider=GCP`)).estimated_days).toEqual(days.slice(1));
      expect((await breakdown(`from=${lastMonth.from}&to=${lastMonth.to}&group_by=region`)).estimated_days).toEqual(days.slice(0, 2));
      expect((await breakdown(range, otherToken)).estimated_days).toEqual([]);
    } finally {
      await cost.database.owner.deleteFrom('cost_estimated_days').execute();
    }
  });

  it("shows another organisation none of these costs", async () => {
    for (const { question } of QUESTIONS.slice(0, 3)) {
      expect((await breakdown(queryOf(question), otherToken)).items).toEqual([]);
    }
    const top = await call('GET', `/v1/costs/top?by=resource&from=${start}&to=${month.to}`, { token: otherToken });
    expect(top.body.items).toEqual([]);
    expect((await call('GET', '/v1/costs/forecast', { token: otherToken })).body.items).toEqual([]);
  });
});

describe('GET /v1/costs/export', () => {
  it('streams the whole breakdown as CSV, escaped, as an attachment', async () => {
    const question: Question = { group_by: ['tag:team', 'service'], granularity: 'month', from: start, to: month.from };
    const response = await cost.app.inject({
      method: 'GET',
      url: `/v1/costs/export?${queryOf(question)}`,
      headers: { authorization: `Bearer ${cost.token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="costs_${start}_${month.from}.csv"`);
    const [header, ...rows] = response.body.trimEnd().split('\n');
    expect(header).toBe('period,tag:team,service,currency,amount');
    const field = (value: string | null) => (value !== null && /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : (value ?? ''));
    const want = expected(question).map((item) =>
      [item.period, field(item.group['tag:team']!), field(item.group.service!), item.currency, item.amount].join(','),
    );
    expect(rows.some((row) => row.includes('"data, ""ml"""'))).toBe(true);
    expect(rows.sort()).toEqual(want.sort());
    const paged = await breakdown(queryOf(question));
    expect(rows).toHaveLength(paged.items.length);
  });

  it('reads the rows through a cursor in batches, as the unbatched query', async () => {
    const plan = planCostQuery(
      { groupBy: ['account', 'service'], granularity: 'day', range: { from: lastMonth.from, to: addDays(lastMonth.from, 3) }, filters: {} },
      { rawFrom: start },
    );
    const batched = await withTenant(cost.deps.db, cost.organizationId, async (trx) => {
      const rows = [];
      for await (const row of await readInBatches(trx, orderedCostRows(plan), 4)) rows.push(row);
      return rows;
    });
    expect(batched.length).toBeGreaterThan(8);
    expect(batched).toEqual((await withTenant(cost.deps.db, cost.organizationId, (trx) => orderedCostRows(plan).execute(trx))).rows);
  });

  it('refuses what breakdown refuses, before any CSV', async () => {
    const response = await call('GET', '/v1/costs/export?group_by=colour');
    expect(response.status).toBe(400);
  });
});

describe('GET /v1/costs/top', () => {
  function largest(question: Question, limit: number) {
    const items = expected(question).sort((a, b) => a.currency.localeCompare(b.currency) || Number(toMicros(b.amount) - toMicros(a.amount)));
    return items.filter((item) => items.filter((other) => other.currency === item.currency).indexOf(item) < limit);
  }

  it('names the largest resources of each currency from the inventory', async () => {
    const response = await call('GET', `/v1/costs/top?by=resource&limit=3&from=${lastMonth.from}&to=${month.from}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ by: 'resource', ...lastMonth, source: 'rollup', source_table: 'cost_resource_rollups' });
    const want = largest({ group_by: ['account', 'resource'], granularity: 'total', ...lastMonth }, 3);
    expect(response.body.items).toEqual(
      want.map((item) => ({
        value: item.group.resource,
        cloud_account_id: item.group.account,
        name: item.group.resource === 'i-web' ? 'web-1' : null,
        type: item.group.resource === 'i-web' ? 'EC2' : null,
        currency: item.currency,
        amount: item.amount,
      })),
    );
    expect(response.body.items.map((item: { value: string }) => item.value)).toContain('i-web');
  });

  it('ranks services, accounts and tag values over the current month by default, with filters', async () => {
    const services = await call('GET', '/v1/costs/top?limit=2&provider=AWS');
    const want = largest({ group_by: ['service'], granularity: 'total', ...month, provider: 'AWS' }, 2);
    expect(services.body.items.map(({ value, currency, amount }: Item & { value: string }) => ({ value, currency, amount }))).toEqual(
      want.map((item) => ({ value: item.group.service, currency: item.currency, amount: item.amount })),
    );

    const byAccount = await call('GET', `/v1/costs/top?by=account&from=${start}`);
    expect(byAccount.body.items.map((item: { name: string; currency: string }) => `${item.currency} ${item.name}`)).toEqual(
      expect.arrayContaining(['EUR Production', 'USD Production', 'USD Analytics']),
    );

    const byTag = await call('GET', `/v1/costs/top?by=tag:env&from=${start}&to=${month.from}`);
    expect(byTag.body.source_table).toBe('cost_tag_rollups');
    const wantTags = largest({ group_by: ['tag:env'], granularity: 'total', from: start, to: month.from }, 10);
    expect(byTag.body.items.map((item: { value: string; amount: string }) => [item.value, item.amount])).toEqual(
      wantTags.map((item) => [item.group['tag:env'], item.amount]),
    );
  });

  it('refuses a limit over 100 and an unknown dimension', async () => {
    expect((await call('GET', '/v1/costs/top?limit=101')).status).toBe(400);
    expect((await call('GET', '/v1/costs/top?by=colour')).body.message).toMatch(/must be one of provider, account/);
  });
});

describe('the OpenAPI document', () => {
  it('describes every cost route, the export as CSV', async () => {
    const docs = await cost.app.inject({ method: 'GET', url: '/docs/json' });
    const paths = docs.json().paths;
    for (const path of ['aggregates', 'breakdown', 'export', 'top', 'forecast']) {
      expect(paths[`/v1/costs/${path}`].get).toMatchObject({ tags: ['costs'], summary: expect.any(String) });
    }
    expect(Object.keys(paths['/v1/costs/export'].get.responses[200].content)).toEqual(['text/csv']);
    expect(paths['/v1/costs/breakdown'].get.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(
      expect.arrayContaining(['group_by', 'granularity', 'from', 'to', 'provider', 'account', 'service', 'region', 'tag', 'limit', 'cursor']),
    );
  });
});

describe('GET /v1/costs/forecast', () => {
  it("extrapolates the month's complete days per currency, next to last month's total", async () => {
    const response = await call('GET', '/v1/costs/forecast?account=' + accounts.aws);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const counted = lines.filter((line) => line.applied && line.account === 'aws' && line.day >= month.from && line.day < today);
    const through = counted.map((line) => line.day).sort().at(-1) ?? null;
    const daysInMonth = daysBetween(month.from, month.to);
    const elapsed = through ? daysBetween(month.from, through) + 1 : 0;
    expect(response.body).toMatchObject({ month: month.from, days_in_month: daysInMonth, days_elapsed: elapsed, through });
    const total = (currency: string, from: string, to: string) =>
      lines
        .filter((line) => line.applied && line.account === 'aws' && line.currency === currency && line.day >= from && line.day < to)
        .reduce((sum, line) => sum + toMicros(line.amount), 0n);
    for (const currency of ['EUR', 'USD']) {
      const item = response.body.items.find((entry: { currency: string }) => entry.currency === currency);
      const spend = total(currency, month.from, today);
      expect(item).toMatchObject({ spend_to_date: fromMicros(spend), previous_month_total: fromMicros(total(currency, lastMonth.from, lastMonth.to)) });
      if (elapsed === 0) {
        expect(item).toMatchObject({ daily_run_rate: null, forecast: null });
      } else {
        // Exact to the millionth: forecast × elapsed = spend × days in month, within rounding.
        const error = toMicros(item.forecast) * BigInt(elapsed) - spend * BigInt(daysInMonth);
        expect(error >= -BigInt(elapsed) && error <= BigInt(elapsed)).toBe(true);
      }
    }
  });
});
