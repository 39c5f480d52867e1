import { DelayedError } from 'bullmq';
/**
 * Cost imports through the service's API on the real PostgreSQL: a FOCUS file with bad rows, a file
 * that is not FOCUS, and a pull from the simulated cloud, each checked in the outbox it publishes to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterResolver } from '@stratus/cloud';
import { withTenant } from '@stratus/db';
import { buildEvent } from '@stratus/events';
import { costImportApplied } from '../../consumers/cost-import-applied.consumer.ts';
import { costImportRefused } from '../../consumers/cost-import-refused.consumer.ts';
import { accountCostsImportJob } from '../../jobs/account-costs-import.job.ts';
import { importCosts } from './cost-import.service.ts';
import { startIngestionApp, type IngestionApp } from '../../../test/ingestion-app.ts';

let ingestion: IngestionApp;
let accountId: string;

const header = 'BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,ServiceCategory,ChargeCategory,ResourceId,SubAccountId,Tags';
const row = (day: number, cost = '1.25', account = '123456789012') =>
  `${cost},${cost},USD,2026-10-${String(day).padStart(2, '0')},2026-10-${String(day + 1).padStart(2, '0')},Amazon Elastic Compute Cloud,Compute,Usage,i-${day},${account},"{""env"":""prod""}"`;

function upload(body: string, contentType = 'text/csv') {
  return ingestion.call('POST', `/v1/cloud-accounts/${accountId}/cost-imports/file?file_name=october.csv`, {
    body,
    headers: { 'content-type': contentType },
  });
}

async function costEvents(importId: string) {
  const rows = await ingestion.database.owner
    .selectFrom('event_outbox_events')
    .select('envelope')
    .where('type', '=', 'cost.ingested')
    .orderBy('seq')
    .execute();
  return rows.map((row) => row.envelope.data as Record<string, any>).filter((data) => data.import_id === importId);
}

beforeAll(async () => {
  ingestion = await startIngestionApp();
  const linked = await ingestion.call('POST', '/v1/cloud-accounts', {
    body: { provider: 'AWS', account_id: '123456789012', name: 'Production', settings: { sim: { resources: 20 } } },
  });
  expect(linked.status).toBe(201);
  accountId = linked.body.id;
});

afterAll(async () => {
  await ingestion?.close();
});

describe('importing a FOCUS file', () => {
  it('imports the good rows and reports each bad one with its line and reason', async () => {
    const file = [header, row(1), 'abc,1,USD,2026-10-02,2026-10-03,EC2,Compute,Usage,i-2,123456789012,', row(3), row(4, '2', '999999999999'), row(5)].join('\n');
    const { status, body } = await upload(file);

    expect(status).toBe(202);
    expect(body).toMatchObject({
      status: 'applying',
      rows_total: 5,
      rows_imported: 3,
      rows_rejected: 2,
      batches: 1,
      period: { start: '2026-10-01T00:00:00.000Z', end: '2026-10-06T00:00:00.000Z' },
      errors: [
        { line: 3, reason: "BilledCost: 'abc' is not a number" },
        { line: 5, reason: 'SubAccountId 999999999999 is not the imported account 123456789012' },
      ],
    });
    const [event, ...more] = await costEvents(body.id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      cloud_account_id: accountId,
      source: 'file',
      batch: { index: 0, final: true },
      summary: { batches: 1, rows: 3, period: body.period },
    });
    expect(event!.rows.map((line: { provider_resource_id: string }) => line.provider_resource_id)).toEqual(['i-1', 'i-3', 'i-5']);

    const stored = await ingestion.call('GET', `/v1/cost-imports/${body.id}`);
    expect(stored.body).toMatchObject({ file_name: 'october.csv', status: 'applying', rows_rejected: 2, user_id: ingestion.userId, settled_at: null });
  });

  it('reports every row read, kept or refused, per provider, sub-account and charge category, refusals grouped by reason', async () => {
    const header2 = `${header},ProviderName`;
    const line = (cost: string, account: string, provider: string, category = 'Usage') =>
      `${cost},${cost},USD,2026-10-01,2026-10-02,Amazon EC2,Compute,${category},i-1,${account},NULL,${provider}`;
    const file = [
      header2,
      line('10.000000000001', '123456789012', 'AWS'),
      line('-2.5', '123456789012', 'Amazon Web Services', 'Credit'),
      line('0.3', '123456789012', 'NULL', 'Adjustment'),
      line('7', '999999999999', 'AWS'),
      line('8', '888888888888', 'AWS'),
      line('4.25', '123456789012', 'Oracle'),
      line('1.75', 'sub-azure', 'Microsoft'),
      line('abc', '123456789012', 'AWS'),
    ].join('\n');
    const { status, body } = await upload(file);
    expect(status).toBe(202);
    expect(body).toMatchObject({ rows_total: 8, rows_imported: 3, rows_rejected: 5 });
    const entry = (key: string, kept: [number, string], refused: [number, string]) => ({
      key,
      kept: { rows: kept[0], amount: kept[1] },
      refused: { rows: refused[0], amount: refused[1] },
    });
    expect(body.breakdown.by_provider).toEqual([
      entry('AWS', [3, '7.800000000001'], [3, '15.000000']),
      entry('AZURE', [0, '0.000000'], [1, '1.750000']),
      entry('Oracle', [0, '0.000000'], [1, '4.250000']),
    ]);
    expect(body.breakdown.by_sub_account).toEqual([
      entry('123456789012', [3, '7.800000000001'], [2, '4.250000']),
      entry('888888888888', [0, '0.000000'], [1, '8.000000']),
      entry('999999999999', [0, '0.000000'], [1, '7.000000']),
      entry('sub-azure', [0, '0.000000'], [1, '1.750000']),
    ]);
    expect(body.breakdown.by_charge_category).toEqual([
      entry('Adjustment', [1, '0.300000'], [0, '0.000000']),
      entry('Credit', [1, '-2.500000'], [0, '0.000000']),
      entry('Usage', [1, '10.000000000001'], [5, '21.000000']),
    ]);
    expect(body.breakdown.refused).toEqual([
      { reason: 'SubAccountId <n> is not the imported account <n>', rows: 2, amount: '15.000000', first_lines: [5, 6] },
      { reason: "BilledCost: '…' is not a number", rows: 1, amount: '0.000000', first_lines: [9] },
      { reason: "ProviderName '…' (AZURE) is not AWS, the imported account's provider", rows: 1, amount: '1.750000', first_lines: [8] },
      { reason: "ProviderName '…' is not AWS, the imported account's provider", rows: 1, amount: '4.250000', first_lines: [7] },
    ]);
    expect((await ingestion.call('GET', `/v1/cost-imports/${body.id}`)).body.breakdown).toEqual(body.breakdown);

    const csv = await ingestion.call('GET', `/v1/cost-imports/${body.id}/refused.csv`);
    expect(csv.status).toBe(200);
    expect(String(csv.body).trim().split('\n')).toEqual([
      'line,reason,provider,sub_account_id,charge_category,billed_cost',
      '5,SubAccountId 999999999999 is not the imported account 123456789012,AWS,999999999999,Usage,7',
      '6,SubAccountId 888888888888 is not the imported account 123456789012,AWS,888888888888,Usage,8',
      "7,\"ProviderName 'Oracle' is not AWS, the imported account's provider\",Oracle,123456789012,Usage,4.25",
      "8,\"ProviderName 'Microsoft' (AZURE) is not AWS, the imported account's provider\",AZURE,sub-azure,Usage,1.75",
      "9,BilledCost: 'abc' is not a number,AWS,123456789012,Usage,",
    ]);
  });

  it("shows the cost store's answer: applied, or refused with its reason; an answer heard twice changes nothing", async () => {
    const first = (await upload([header, row(1)].join('\n'))).body;
    const second = (await upload([header, row(2)].join('\n'))).body;
    const { db, logger } = ingestion.deps;
    const hear = async <T extends 'cost_import.applied' | 'cost_import.refused'>(type: T, data: Parameters<typeof buildEvent<T>>[1]['data']) => {
      const { envelope } = buildEvent(type, { tenant: ingestion.organizationId, data });
      const handler = (type === 'cost_import.applied' ? costImportApplied({ logger }) : costImportRefused({ logger })) as (event: typeof envelope, trx: never) => Promise<void>;
      await withTenant(db, ingestion.organizationId, (trx) => handler(envelope, trx as never));
    };
    const at = '2026-11-02T10:00:00.000Z';
    await hear('cost_import.applied', { import_id: first.id, cloud_account_id: accountId, rows: 1, period: first.period, applied_at: at });
    const reason = 'the import\'s period starts at 2020-10-01T00:00:00.000Z is before the raw retention horizon';
    await hear('cost_import.refused', { import_id: second.id, cloud_account_id: accountId, reason, refused_at: at });
    await hear('cost_import.refused', { import_id: first.id, cloud_account_id: accountId, reason, refused_at: at });

    expect((await ingestion.call('GET', `/v1/cost-imports/${first.id}`)).body).toMatchObject({ status: 'applied', error: null, settled_at: at });
    expect((await ingestion.call('GET', `/v1/cost-imports/${second.id}`)).body).toMatchObject({ status: 'refused', error: reason, settled_at: at });
  });

  it('splits a large file into batches of at most 1,000 rows, the summary on the last', async () => {
    const file = [header, ...Array.from({ length: 2_500 }, (_, i) => row(1 + (i % 28), `0.${i + 1}`))].join('\n');
    const { status, body } = await upload(file);
    expect(status).toBe(202);
    const events = await costEvents(body.id);
    // An event holds at most 1,000 rows and, at ~400 bytes a row here, fewer: the 384 KB budget
    // per event binds first. Every batch but the last is as full as the budget allows.
    const size = events[0]!.rows.length;
    expect(size).toBeGreaterThan(500);
    expect(size).toBeLessThanOrEqual(1_000);
    const batches = Math.ceil(2_500 / size);
    expect(events.map((event) => [event.batch.index, event.batch.final, event.rows.length])).toEqual(
      Array.from({ length: batches }, (_, index) => [index, index === batches - 1, index === batches - 1 ? 2_500 - size * (batches - 1) : size]),
    );
    expect(events.at(-1)!.summary).toMatchObject({ batches, rows: 2_500 });
  });

  it('refuses a file that is not FOCUS, publishing nothing, and keeps the failure on record', async () => {
    const { status, body } = await upload('Cost,Currency\n1,USD\n');
    expect(status).toBe(422);
    expect(body).toMatchObject({ status: 'failed', rows_imported: 0, error: expect.stringMatching(/missing required columns BilledCost/) });
    expect(await costEvents(body.id)).toEqual([]);
    expect((await ingestion.call('GET', `/v1/cost-imports/${body.id}`)).body.status).toBe('failed');
  });

  it('keeps the cause of an unexpected failure in the log, never in the import a user reads', async () => {
    const target = { organization_id: ingestion.organizationId, cloud_account_id: accountId, user_id: ingestion.userId };
    const batches = (async function* () {
      yield* [];
      throw new Error('date/time field value out of range: "0000-01-01" on host db-7.internal');
    })();

    await expect(importCosts({ db: ingestion.deps.db, logger: ingestion.deps.logger, outbox: ingestion.deps.outbox }, target, { kind: 'file', file_name: 'x.csv', batches })).rejects.toThrow(/out of range/);

    const { body } = await ingestion.call('GET', `/v1/cost-imports?cloud_account_id=${accountId}&limit=1`);
    expect(body.items[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^the import stopped on an internal error \(cost import [0-9a-f-]{36}\)/) });
    expect(JSON.stringify(body)).not.toContain('db-7.internal');
  });

  it('refuses, per row with its line, every value the cost store could not hold', async () => {
    const file = [
      header,
      row(1, '1e300'),
      row(2).replace('Amazon Elastic Compute Cloud', 'Amazon\u0000EC2'),
      row(3).replace('""prod""', '""pr\\u0000od""'),
      row(4).replace('""prod""', '""\\ud800""'),
      row(5),
    ].join('\n');
    const { status, body } = await upload(file);
    expect(status).toBe(202);
    expect(body).toMatchObject({ rows_imported: 1, rows_rejected: 4 });
    expect(body.errors).toMatchObject([
      { line: 2, reason: "BilledCost: '1e300' is out of range: an amount has at most 14 digits before the point" },
      { line: 3, reason: 'ServiceName contains a NUL character' },
      { line: 4, reason: "Tags: the value of 'env' contains a NUL character" },
      { line: 5, reason: "Tags: the value of 'env' contains a lone UTF-16 surrogate, which is not Unicode text" },
    ]);
  });

  it('refuses rows charged before the raw retention horizon, naming it and the variable that moves it', async () => {
    const { status, body } = await upload([header, row(1).replaceAll('2026-10-0', '2020-10-0'), row(2)].join('\n'));
    expect(status).toBe(202);
    expect(body.errors).toMatchObject([
      { line: 2, reason: expect.stringMatching(/^ChargePeriodStart 2020-10-01T00:00:00.000Z is before the raw retention horizon .* \(COST_RAW_RETENTION_MONTHS=13; raise it to import older costs\)$/) },
    ]);
  });

  it('says which content types it takes, and 404s for an unknown account', async () => {
    const wrong = await upload('{}', 'application/json');
    expect(wrong.status).toBe(400);
    const unknown = await ingestion.call('POST', '/v1/cloud-accounts/0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d/cost-imports/file', {
      body: `${header}\n${row(1)}`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(unknown.status).toBe(404);
  });
});

describe('pulling costs from the provider', () => {
  it('queues the pull, and the job publishes the period from the simulated cloud', async () => {
    const queued = await ingestion.call('POST', `/v1/cloud-accounts/${accountId}/cost-imports`, { body: { start: '2026-10-01', end: '2026-10-04' } });
    expect(queued.status).toBe(202);
    const bad = await ingestion.call('POST', `/v1/cloud-accounts/${accountId}/cost-imports`, { body: { start: '2026-10-04', end: '2026-10-01' } });
    expect(bad.status).toBe(400);
    const old = await ingestion.call('POST', `/v1/cloud-accounts/${accountId}/cost-imports`, { body: { start: '2020-01-01', end: '2020-02-01' } });
    expect(old.status).toBe(400);
    expect(old.body.message).toMatch(/^start: 2020-01-01 is before the raw retention horizon .*COST_RAW_RETENTION_MONTHS=13/);

    const { db, outbox, logger, config } = ingestion.deps;
    const job = accountCostsImportJob({ db, outbox, logger, adapterFor: adapterResolver(config.CREDENTIALS_KEYS) });
    const outcome = await job(
      { cloud_account_id: accountId, organization_id: ingestion.organizationId, period: { start: '2026-10-01', end: '2026-10-04' } },
      undefined as never,
    );
    expect(outcome).toMatchObject({ status: 'done' });
    const imported = await withTenant(db, ingestion.organizationId, (trx) =>
      trx.selectFrom('cost_imports').selectAll().where('source', '=', 'provider').executeTakeFirstOrThrow(),
    );
    expect(imported).toMatchObject({ status: 'applying', rows_rejected: 0 });
    expect(imported.period_start).toEqual(new Date('2026-10-01T00:00:00Z'));
    expect(imported.period_end).toEqual(new Date('2026-10-04T00:00:00Z'));
    const events = await costEvents(imported.id);
    const rows = events.flatMap((event) => event.rows as { charge_period_start: string }[]);
    expect(rows.length).toBe(imported.rows_imported);
    // Every day of the period, for the account's simulated fleet.
    expect(new Set(rows.map((line) => line.charge_period_start.slice(0, 10)))).toEqual(new Set(['2026-10-01', '2026-10-02', '2026-10-03']));
    expect(events.at(-1)).toMatchObject({ source: 'provider', batch: { final: true }, summary: { period: { start: '2026-10-01T00:00:00.000Z' } } });
  });

  it('ends a pull interrupted by the service stopping as failed, with the reason, and puts its job back without spending an attempt', async () => {
    const { db, outbox, logger, config } = ingestion.deps;
    const stopping = new AbortController();
    const resolve = adapterResolver(config.CREDENTIALS_KEYS);
    // The provider's answer in two pages, and the service told to stop once the first is in.
    const adapterFor: typeof resolve = async (trx, account) => {
      const adapter = await resolve(trx, account);
      return {
        ...adapter,
        async *fetchCosts(period, options) {
          for await (const page of adapter.fetchCosts(period, options)) {
            yield page.slice(0, page.length / 2);
            stopping.abort('the service is stopping');
            yield page.slice(page.length / 2);
          }
        },
      };
    };
    const job = accountCostsImportJob({ db, outbox, logger, adapterFor });
    const putBack: { at: number; token: string | undefined }[] = [];
    const queued = { moveToDelayed: async (at: number, token?: string) => void putBack.push({ at, token }) };
    await expect(
      job(
        { cloud_account_id: accountId, organization_id: ingestion.organizationId, period: { start: '2026-11-01', end: '2026-11-04' } },
        queued as never,
        'the-lock',
        stopping.signal,
      ),
    ).rejects.toBeInstanceOf(DelayedError);
    expect(putBack).toEqual([{ at: expect.any(Number), token: 'the-lock' }]);
    expect(putBack[0]!.at).toBeLessThanOrEqual(Date.now());
    const interrupted = await withTenant(db, ingestion.organizationId, (trx) =>
      trx.selectFrom('cost_imports').select(['status', 'error']).where('period_start', '=', new Date('2026-11-01T00:00:00Z')).executeTakeFirstOrThrow(),
    );
    expect(interrupted).toEqual({ status: 'failed', error: expect.any(String) });
  });
});
