/**
 * cost.ingested batches, published through the outbox and relayed to the real Kafka, land in
 * cost_data and the rollups exactly once: every total read back equals the sum computed here from
 * the rows that were sent, a redelivered or re-published batch changes nothing, a second import of
 * a period replaces the first, an import missing a batch never counts, and retention keeps totals.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization } from '@stratus/auth';
import { createDb, fromUnits, toUnits, withTenant } from '@stratus/db';
import * as events from '@stratus/events';
import { createConsumer, deadLetterTopicOf, outboxOf, readDeadLetters, topicFor, type EventConsumer, type EventData } from '@stratus/events';
import { OptionalObjectStore } from '@stratus/object-store';
import { createLogger } from '@stratus/runtime';
import { eventually, openBackbone, type Backbone, type TestDatabase, type TestKafka } from '@stratus/testing';
import { env } from '../config.ts';
import { runCostMaintenance } from '../jobs/cost-maintenance.ts';
import { estimatedDays } from '../modules/costs/costs.queries.ts';
import { costIngested } from './cost-ingested.consumer.ts';

const logger = createLogger('cost-test', process.env.TEST_LOG_LEVEL ?? 'silent', false);
type Line = EventData<'cost.ingested'>['rows'][number];

let database: TestDatabase;
let kafka: TestKafka;
let costDb: ReturnType<typeof createDb>;
let backbone: Backbone<typeof logger> | undefined;
let consumer: EventConsumer;
let organizationId: string;
let accountId: string;
const config = env.parse({ DATABASE_URL: 'postgres://unused', REDIS_URL: 'redis://unused', KAFKA_BROKERS: 'unused:1' });

beforeAll(async () => {
  backbone = await openBackbone(events, { partitions: 1 });
  ({ database, kafka } = backbone);
  organizationId = (await bootstrapOrganization(database.owner, { organizationName: 'Costs', adminEmail: 'admin@costs.test' })).organization.id;
  accountId = (
    await database.owner
      .insertInto('cloud_accounts')
      .values({ organization_id: organizationId, name: 'prod', provider: 'AWS', account_id: '111122223333' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await database.owner
    .insertInto('resources')
    .values(
      ['i-0', 'i-1', 'i-2'].map((id) => ({
        organization_id: organizationId,
        cloud_account_id: accountId,
        provider: 'AWS' as const,
        provider_resource_id: id,
        name: id,
        type: 'vm',
        region: 'us-east-1',
      })),
    )
    .execute();
  // A monthly budget of 1 USD with one alert at 100%: every month with costs crosses it.
  const budget = await database.owner
    .insertInto('budgets')
    .values({ organization_id: organizationId, name: 'tiny', amount: 1, currency: 'USD', period: 'monthly', start_date: '2020-01-01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await database.owner
    .insertInto('budget_alerts')
    .values({ organization_id: organizationId, budget_id: budget.id, threshold: 100, notification_channels: JSON.stringify([{ type: 'in_app' }]) })
    .execute();
  costDb = createDb({ url: database.url, role: 'stratus_cost', max: 3 });
  consumer = createConsumer({
    kafka: kafka.kafka,
    db: costDb,
    groupId: `${kafka.prefix}stratus-cost`,
    topicPrefix: kafka.prefix,
    handlers: { 'cost.ingested': costIngested({ db: costDb, outbox: outboxOf('cost'), logger, config }) },
    logger,
    fromBeginning: true,
    retryBackoffMs: 20,
    maxAttempts: 2,
  });
  await consumer.start();
  await backbone.startRelay('ingestion', logger);
}, 60_000);

afterAll(async () => {
  await consumer?.stop();
  await costDb?.destroy();
  await backbone?.close();
});

const SERVICES = ['AmazonEC2', 'AmazonRDS', 'AmazonS3'];
const REGIONS = ['us-east-1', 'eu-west-1', undefined];

function utcDay(offsetDays: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offsetDays));
}

/** Daily lines for `days` days from `start`; amounts are whole micro-units so sums are exact. */
function lines(start: Date, days: number, perDay: number, seed: number): Line[] {
  const rows: Line[] = [];
  for (let d = 0; d < days; d += 1) {
    const from = new Date(start.getTime() + d * 86_400_000);
    const to = new Date(from.getTime() + 86_400_000);
    for (let i = 0; i < perDay; i += 1) {
      const micros = ((seed * 7919 + d * 104_729 + i * 1_299_709) % 50_000_000) + 1;
      rows.push({
        charge_period_start: from.toISOString(),
        charge_period_end: to.toISOString(),
        billed_cost: (micros / 1e6).toFixed(6),
        effective_cost: (micros / 1e6).toFixed(6),
        list_cost: (micros / 1e6).toFixed(6),
        currency: 'USD',
        service_name: SERVICES[i % SERVICES.length]!,
        service_category: 'Compute',
        ...(REGIONS[i % REGIONS.length] ? { region_id: REGIONS[i % REGIONS.length]! } : {}),
        ...(i % 4 === 3 ? {} : { provider_resource_id: `i-${i % 5}` }),
        charge_category: 'Usage',
        tags: i % 2 === 0 ? { env: 'prod', team: `t${i % 3}` } : { env: 'dev' },
        granularity: 'daily',
      });
    }
  }
  return rows;
}

interface ImportOptions {
  period: { start: Date; end: Date };
  batchSize?: number;
  importId?: string;
  /** Another account of the organisation than the one every total here is checked on. */
  account?: string;
  provider?: 'AWS' | 'AZURE' | 'GCP';
}

function batchesOf(rows: Line[], options: ImportOptions): EventData<'cost.ingested'>[] {
  const size = options.batchSize ?? 250;
  const importId = options.importId ?? randomUUID();
  const count = Math.max(1, Math.ceil(rows.length / size));
  return Array.from({ length: count }, (_, index) => ({
    import_id: importId,
    cloud_account_id: options.account ?? accountId,
    provider: options.provider ?? ('AWS' as const),
    source: 'file' as const,
    batch: { index, final: index === count - 1 },
    rows: rows.slice(index * size, (index + 1) * size),
    ...(index === count - 1
      ? { summary: { batches: count, rows: rows.length, period: { start: options.period.start.toISOString(), end: options.period.end.toISOString() } } }
      : {}),
  }));
}

async function publishBatches(batches: EventData<'cost.ingested'>[]): Promise<void> {
  for (const data of batches) {
    await withTenant(database.owner, organizationId, (trx) => outboxOf('ingestion').publish(trx, 'cost.ingested', { tenant: organizationId, data }));
  }
}

async function waitForStatus(importId: string, status: 'applied' | 'receiving' | 'refused'): Promise<void> {
  await eventually(
    async () => {
      const row = await database.owner.selectFrom('cost_import_progress').select(['status', 'received_batches']).where('import_id', '=', importId).executeTakeFirst();
      expect(row?.status).toBe(status);
    },
    { timeoutMs: 30_000 },
  );
}

const micros = (amount: string | number) => BigInt(Math.round(Number(amount) * 1e6));
const sumBy = (rows: Line[], keyOf: (row: Line) => string | undefined) => {
  const sums = new Map<string, bigint>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === undefined) continue;
    sums.set(key, (sums.get(key) ?? 0n) + micros(row.billed_cost));
  }
  return sums;
};
const dayOf = (row: Line) => row.charge_period_start.slice(0, 10);
const monthOf = (row: Line) => `${row.charge_period_start.slice(0, 7)}-01`;

/** Another account of the organisation, whose lines stay out of the totals checked on accountId. */
async function linkAccount(name: string, provider: 'AWS' | 'GCP', providerAccountId: string): Promise<string> {
  const account = await database.owner
    .insertInto('cloud_accounts')
    .values({ organization_id: organizationId, name, provider, account_id: providerAccountId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return account.id;
}

/** The days of a period the cost store still holds as estimates, for the accounts the filters take in. */
function estimatedDaysIn(period: { start: Date; end: Date }, filters: Parameters<typeof estimatedDays>[2]): Promise<string[]> {
  const range = { from: period.start.toISOString().slice(0, 10), to: period.end.toISOString().slice(0, 10) };
  return withTenant(costDb, organizationId, (trx) => estimatedDays(trx, range, filters));
}

/** The periods budget.threshold_crossed was published for, one entry per event. */
async function budgetAlerts(): Promise<string[]> {
  const { rows } = await sql<{ period_start: string }>`
    select envelope -> 'data' ->> 'period_start' as period_start from event_outbox_events where type = 'budget.threshold_crossed' order by 1
  `.execute(database.owner);
  return rows.map((row) => row.period_start);
}

async function rollupSums(query: string): Promise<Map<string, bigint>> {
  const { rows } = await sql.raw<{ key: string; amount: string }>(query).execute(database.owner);
  return new Map(rows.filter((row) => micros(row.amount) !== 0n).map((row) => [row.key, micros(row.amount)]));
}

async function expectTotalsOf(rows: Line[]): Promise<void> {
  const where = `where cloud_account_id = '${accountId}'`;
  expect(await rollupSums(`select period_start::text || '|' || service || '|' || region as key, amount::text from cost_rollups ${where} and granularity = 'day'`)).toEqual(
    sumBy(rows, (row) => `${dayOf(row)}|${row.service_name}|${row.region_id ?? ''}`),
  );
  expect(await rollupSums(`select period_start::text || '|' || service as key, sum(amount)::text as amount from cost_rollups ${where} and granularity = 'month' group by 1`)).toEqual(
    sumBy(rows, (row) => `${monthOf(row)}|${row.service_name}`),
  );
  expect(await rollupSums(`select period_start::text || '|' || tag_key || '=' || tag_value as key, sum(amount)::text as amount from cost_tag_rollups ${where} and granularity = 'day' group by 1`)).toEqual(
    new Map(
      [...sumBy(rows.flatMap((row) => Object.entries(row.tags).map(([k, v]) => ({ ...row, service_name: `${k}=${v}` }))), (row) => `${dayOf(row)}|${row.service_name}`)],
    ),
  );
  expect(await rollupSums(`select month::text || '|' || provider_resource_id as key, sum(amount)::text as amount from cost_resource_rollups ${where} group by 1`)).toEqual(
    sumBy(rows, (row) => `${monthOf(row)}|${row.provider_resource_id ?? ''}`),
  );
  expect(await rollupSums(`select month::text || '|' || service as key, amount::text from costs_breakdown where account_id = '111122223333'`)).toEqual(
    sumBy(rows, (row) => `${monthOf(row)}|${row.service_name}`),
  );
  // The raw lines that count are exactly the rows sent.
  const raw = await sql<{ lines: string; amount: string }>`
    select count(*) as lines, coalesce(sum(amount), 0)::text as amount from cost_data c
     where cloud_account_id = ${accountId}::uuid
       and not exists (select 1 from cost_import_progress p where p.import_id = c.import_id and p.status <> 'applied')
  `.execute(database.owner);
  expect(Number(raw.rows[0]!.lines)).toBe(rows.length);
  expect(micros(raw.rows[0]!.amount)).toBe(rows.reduce((sum, row) => sum + micros(row.billed_cost), 0n));
}

describe('cost.ingested', () => {
  // Forty days ending yesterday: the lines span a month boundary and the resource cost window.
  const start = utcDay(-40);
  const period = { start, end: utcDay(0) };
  const first = lines(start, 40, 30, 1);

  it('lands every line once and keeps every rollup equal to the sums of the lines', async () => {
    const batches = batchesOf(first, { period });
    await publishBatches(batches);
    await waitForStatus(batches[0]!.import_id, 'applied');
    await expectTotalsOf(first);

    const resource = await database.owner.selectFrom('resources').select(['cost_monthly', 'cost_daily']).where('provider_resource_id', '=', 'i-1').executeTakeFirstOrThrow();
    const window = new Date(Date.now() - 30 * 86_400_000);
    const expected = first.filter((row) => row.provider_resource_id === 'i-1' && new Date(row.charge_period_start) >= window).reduce((sum, row) => sum + micros(row.billed_cost), 0n);
    expect(micros(resource.cost_monthly)).toBe(expected);
    expect(Number(resource.cost_daily)).toBeCloseTo(Number(resource.cost_monthly) / 30, 5);

    expect(await budgetAlerts()).toEqual([...new Set(first.map((row) => monthOf(row)))].sort());

    const aggregated = await database.owner.selectFrom('event_outbox_events').select(sql<string>`envelope->'data'->>'day'`.as('day')).where('type', '=', 'cost.aggregated').execute();
    expect(new Set(aggregated.map((row) => row.day))).toEqual(new Set(first.map(dayOf)));
  });

  it('changes nothing when a batch is delivered again or re-published under a new event id', async () => {
    const { import_id } = await database.owner.selectFrom('cost_import_progress').select('import_id').executeTakeFirstOrThrow();
    // One batch of the applied import, again, as a new event: that import no longer receives.
    await publishBatches([batchesOf(first, { period, importId: import_id })[1]!]);
    // And the very same event delivered twice: the consumer's processed_events skips it.
    const last = await database.owner
      .selectFrom('event_outbox_events')
      .select(['key', sql<string>`envelope::text`.as('value')])
      .where('type', '=', 'cost.ingested')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    const producer = kafka.kafka.producer();
    await producer.connect();
    await producer.send({ topic: topicFor(kafka.prefix, 'cost.ingested'), messages: [last] });
    await producer.disconnect();
    await eventually(async () => expect(consumer.metrics().duplicates).toBe(1), { timeoutMs: 30_000 });
    await expectTotalsOf(first);
  });

  it('replaces the period when it is imported again, and never counts an import missing a batch', async () => {
    const second = lines(start, 40, 20, 2);
    const batches = batchesOf(second, { period });
    await publishBatches(batches);
    await waitForStatus(batches[0]!.import_id, 'applied');
    await expectTotalsOf(second);
    // The months crossed the budget already: no second alert for the same threshold and period.
    expect(await budgetAlerts()).toEqual([...new Set(first.map((row) => monthOf(row)))].sort());

    const incomplete = batchesOf(lines(start, 40, 10, 3), { period });
    await publishBatches(incomplete.filter((_, index) => index !== 1));
    await waitForStatus(incomplete[0]!.import_id, 'receiving');
    await eventually(async () => {
      const row = await database.owner.selectFrom('cost_import_progress').select('received_batches').where('import_id', '=', incomplete[0]!.import_id).executeTakeFirstOrThrow();
      expect(row.received_batches).toHaveLength(incomplete.length - 1);
    });
    await expectTotalsOf(second);

    // A day later the maintenance pass abandons it and its lines go.
    const report = await runCostMaintenance({ db: costDb, outbox: outboxOf('cost'), logger, config, objects: new OptionalObjectStore(config) }, new Date(Date.now() + 25 * 3_600_000));
    expect(report.importsAbandoned).toBe(1);
    const left = await database.owner.selectFrom('cost_data').select(sql<number>`count(*)::integer`.as('n')).where('import_id', '=', incomplete[0]!.import_id).executeTakeFirstOrThrow();
    expect(left.n).toBe(0);
    await expectTotalsOf(second);
    // Its importer hears it, so the import does not wait for ever.
    const told = await database.owner
      .selectFrom('event_outbox_events')
      .select(sql<string>`envelope->'data'->>'reason'`.as('reason'))
      .where('type', '=', 'cost_import.refused')
      .where(sql<string>`envelope->'data'->>'import_id'`, '=', incomplete[0]!.import_id)
      .execute();
    expect(told.map((row) => row.reason)).toEqual([expect.stringMatching(/^its batches stopped arriving for 24 h \(COST_IMPORT_ABANDON_AFTER_HOURS\)/)]);
  });

  it("keeps every decimal a file carries: a day's and a month's totals equal the exact sums of its lines", async () => {
    const precise = (
      await database.owner
        .insertInto('cloud_accounts')
        .values({ organization_id: organizationId, name: 'precise', provider: 'AWS', account_id: '444455556666' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    // 942 lines of 12 to 24 decimals, credits among them: rounding each to 6 decimals drifts the totals.
    const rows = lines(start, 2, 471, 7).map((row, i) => {
      const fraction = String((BigInt(i) * 7_919_000_003n + 123_456_789_012n) % 10n ** 13n).padStart(13, '0');
      const amount = `${i % 9 === 4 ? '-' : ''}${i % 50}.${fraction}${i % 3 === 0 ? '37201938475' : ''}`;
      return { ...row, billed_cost: amount, effective_cost: amount, list_cost: amount, provider_resource_id: undefined, tags: {} };
    });
    const batches = batchesOf(rows, { period: { start, end: new Date(start.getTime() + 2 * 86_400_000) } }).map((batch) => ({ ...batch, cloud_account_id: precise }));
    await publishBatches(batches);
    await waitForStatus(batches[0]!.import_id, 'applied');

    const exact = (keyOf: (row: Line) => string) => {
      const sums = new Map<string, bigint>();
      for (const row of rows) sums.set(keyOf(row), (sums.get(keyOf(row)) ?? 0n) + toUnits(row.billed_cost));
      return new Map([...sums].map(([key, units]) => [key, fromUnits(units)]));
    };
    const read = async (query: string) => new Map((await sql.raw<{ key: string; amount: string }>(query).execute(database.owner)).rows.map((row) => [row.key, row.amount]));
    const where = `where cloud_account_id = '${precise}'`;
    expect(await read(`select period_start::text as key, stratus_amount_text(sum(amount)) as amount from cost_rollups ${where} and granularity = 'day' group by 1`)).toEqual(exact(dayOf));
    expect(await read(`select period_start::text || '|' || service as key, stratus_amount_text(sum(amount)) as amount from cost_rollups ${where} and granularity = 'month' group by 1`)).toEqual(
      exact((row) => `${monthOf(row)}|${row.service_name}`),
    );
    // The days' totals the cost service announces are the exact ones too.
    const announced = await database.owner
      .selectFrom('event_outbox_events')
      .select([sql<string>`envelope->'data'->>'day'`.as('key'), sql<string>`envelope->'data'->>'total'`.as('amount')])
      .where('type', '=', 'cost.aggregated')
      .where(sql<string>`envelope->'data'->>'cloud_account_id'`, '=', precise)
      .execute();
    expect(new Map(announced.map((row) => [row.key, row.amount]))).toEqual(exact(dayOf));
  });

  it('tells the importer: cost_import.applied once applied, cost_import.refused with the reason beyond the retention horizon', async () => {
    const outcomes = async (type: string) =>
      (await database.owner.selectFrom('event_outbox_events').select(sql<Record<string, unknown>>`envelope->'data'`.as('data')).where('type', '=', type).execute()).map((row) => row.data);
    const { import_id } = await database.owner.selectFrom('cost_import_progress').select('import_id').where('cloud_account_id', '=', accountId).where('status', '=', 'applied').executeTakeFirstOrThrow();
    expect(await outcomes('cost_import.applied')).toContainEqual(expect.objectContaining({ import_id, cloud_account_id: accountId, rows: first.length }));

    const old = utcDay(-(config.COST_RAW_RETENTION_MONTHS + 2) * 31);
    const batches = batchesOf(lines(old, 2, 3, 9), { period: { start: old, end: new Date(old.getTime() + 2 * 86_400_000) }, batchSize: 4 });
    await publishBatches(batches);
    const refused = batches[0]!.import_id;
    await waitForStatus(refused, 'refused');
    const [event] = (await outcomes('cost_import.refused')).filter((data) => data.import_id === refused);
    expect(event?.reason).toMatch(/before the raw retention horizon .*COST_RAW_RETENTION_MONTHS=13/);
    const held = await database.owner.selectFrom('cost_data').select(sql<number>`count(*)::integer`.as('n')).where('import_id', '=', refused).executeTakeFirstOrThrow();
    expect(held.n).toBe(0);
    // Refused for good, not retried: nothing was dead-lettered, and a batch delivered again is skipped.
    await publishBatches([batches[1]!]);
    expect(consumer.metrics().deadLettered).toBe(0);
  });

  it('dead-letters a batch for an account the organisation does not have at once, as rejected, with the reason', async () => {
    const [batch] = batchesOf(first.slice(0, 3), { period });
    await publishBatches([{ ...batch!, cloud_account_id: randomUUID() }]);
    await eventually(async () => expect(consumer.metrics().deadLettered).toBe(1), { timeoutMs: 30_000 });
    const [letter] = await readDeadLetters(kafka.kafka, { topic: deadLetterTopicOf(topicFor(kafka.prefix, 'cost.ingested')) });
    expect(letter?.reason).toBe('rejected');
    expect(letter?.error).toMatch(/cloud account .* does not exist/);
  });

  it("records the days a provider called estimated, and the next import of them replaces them with the final amounts", async () => {
    const other = await linkAccount('estimates', 'AWS', '555566667777');
    const days = { start: utcDay(-4), end: utcDay(-1) };
    const [first, second, third] = [0, 1, 2].map((offset) => new Date(days.start.getTime() + offset * 86_400_000).toISOString().slice(0, 10));
    const estimatedDaysOf = (filters: Parameters<typeof estimatedDays>[2]) => estimatedDaysIn(days, filters);
    const totalOf = async () =>
      (
        await sql<{ amount: string }>`select coalesce(sum(amount), 0)::text as amount from cost_rollups where cloud_account_id = ${other}::uuid and granularity = 'day'`.execute(
          database.owner,
        )
      ).rows[0]!.amount;

    // Cost Explorer's answer of a morning: the last two days still estimated.
    const early = lines(days.start, 3, 4, 11).map((row) => (dayOf(row) === first ? row : { ...row, estimated: true }));
    const pulled = batchesOf(early, { period: days, account: other });
    await publishBatches(pulled);
    await waitForStatus(pulled[0]!.import_id, 'applied');
    expect(await estimatedDaysOf({})).toEqual([second, third]);
    expect(await estimatedDaysOf({ account: other })).toEqual([second, third]);
    expect(await estimatedDaysOf({ account: accountId })).toEqual([]);
    expect(await estimatedDaysOf({ provider: 'GCP' })).toEqual([]);

    // A later pull of the period: the second day final now, with its final amounts, the third still estimated.
    const later = lines(days.start, 3, 4, 12).map((row) => (dayOf(row) === third ? { ...row, estimated: true } : row));
    const repulled = batchesOf(later, { period: days, account: other });
    await publishBatches(repulled);
    await waitForStatus(repulled[0]!.import_id, 'applied');
    expect(await estimatedDaysOf({ account: other })).toEqual([third]);
    expect(micros(await totalOf())).toBe(later.reduce((sum, row) => sum + micros(row.billed_cost), 0n));

    // And the final answer: no day estimated any more.
    const final = batchesOf(lines(days.start, 3, 4, 13), { period: days, account: other });
    await publishBatches(final);
    await waitForStatus(final[0]!.import_id, 'applied');
    expect(await estimatedDaysOf({ account: other })).toEqual([]);
  });

  it("keeps a day estimated while any of its lines is (GCP's late usage on an open invoice month), until a pull brings it final", async () => {
    const project = await linkAccount('gcp estimates', 'GCP', 'stratus-estimates');
    const days = { start: utcDay(-3), end: utcDay(-1) };
    const first = days.start.toISOString().slice(0, 10);
    const estimatedDaysOf = () => estimatedDaysIn(days, { account: project });
    const dailyTotals = async () =>
      rollupSums(`select period_start::text as key, sum(amount)::text as amount from cost_rollups where cloud_account_id = '${project}' and granularity = 'day' group by 1`);
    const pull = async (rows: Line[]) => {
      const batches = batchesOf(rows, { period: days, account: project, provider: 'GCP', batchSize: 3 });
      await publishBatches(batches);
      await waitForStatus(batches[0]!.import_id, 'applied');
    };

    // The first day's lines are billed on a closed invoice month but one, reported late onto the
    // next, still open; the second day's are all on the open month.
    const early = lines(days.start, 2, 4, 31).map((row, index) => (dayOf(row) === first && index !== 3 ? row : { ...row, estimated: true }));
    await pull(early);
    expect(await estimatedDaysOf()).toEqual([first, dayOf(early[4]!)]);

    // After the close: every line final, with the invoice's amounts, which replace the estimates.
    const final = lines(days.start, 2, 4, 32);
    await pull(final);
    expect(await estimatedDaysOf()).toEqual([]);
    expect(await dailyTotals()).toEqual(sumBy(final, dayOf));
  });

  it('downsamples months past the retention horizon into the rollups and drops them with totals unchanged', async () => {
    const totals = async () =>
      rollupSums(`select granularity || '|' || period_start::text || '|' || service as key, amount::text from cost_rollups where cloud_account_id = '${accountId}' and region = 'us-east-1'`);
    const before = await totals();
    const partitions = async () => (await sql<{ partition_name: string }>`select partition_name from stratus_cost_data_partitions()`.execute(database.owner)).rows.map((row) => row.partition_name);
    const monthsHeld = (await sql<{ month: string }>`select distinct period_start::text as month from cost_rollups where granularity = 'month'`.execute(database.owner)).rows.map((row) => row.month);
    const later = new Date(Date.now() + (config.COST_RAW_RETENTION_MONTHS + 2) * 31 * 86_400_000);
    const report = await runCostMaintenance({ db: costDb, outbox: outboxOf('cost'), logger, config, objects: new OptionalObjectStore(config) }, later);
    expect(report.partitionsDropped.length).toBeGreaterThan(0);
    for (const month of monthsHeld) expect(await partitions()).not.toContain(`cost_data_y${month.slice(0, 4)}m${month.slice(5, 7)}`);
    expect(await totals()).toEqual(before);
    const raw = await database.owner.selectFrom('cost_data').select(sql<number>`count(*)::integer`.as('n')).where('cloud_account_id', '=', accountId).executeTakeFirstOrThrow();
    expect(raw.n).toBe(0);
  });
});
