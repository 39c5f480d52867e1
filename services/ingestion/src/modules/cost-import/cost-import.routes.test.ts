/**
 * Cost imports through the service's API on the real PostgreSQL: a FOCUS file with bad rows, a file
 * that is not FOCUS, and a pull from the simulated cloud, each checked in the outbox it publishes to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterResolver } from '@stratus/cloud';
import { withTenant } from '@stratus/db';
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

    expect(status).toBe(201);
    expect(body).toMatchObject({
      status: 'completed',
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
    expect(stored.body).toMatchObject({ file_name: 'october.csv', status: 'completed', rows_rejected: 2, user_id: ingestion.userId });
  });

  it('splits a large file into batches of at most 1,000 rows, the summary on the last', async () => {
    const file = [header, ...Array.from({ length: 2_500 }, (_, i) => row(1 + (i % 28), `0.${i + 1}`))].join('\n');
    const { status, body } = await upload(file);
    expect(status).toBe(201);
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
    expect(imported).toMatchObject({ status: 'completed', rows_rejected: 0 });
    expect(imported.period_start).toEqual(new Date('2026-10-01T00:00:00Z'));
    expect(imported.period_end).toEqual(new Date('2026-10-04T00:00:00Z'));
    const events = await costEvents(imported.id);
    const rows = events.flatMap((event) => event.rows as { charge_period_start: string }[]);
    expect(rows.length).toBe(imported.rows_imported);
    // Every day of the period, for the account's simulated fleet.
    expect(new Set(rows.map((line) => line.charge_period_start.slice(0, 10)))).toEqual(new Set(['2026-10-01', '2026-10-02', '2026-10-03']));
    expect(events.at(-1)).toMatchObject({ source: 'provider', batch: { final: true }, summary: { period: { start: '2026-10-01T00:00:00.000Z' } } });
  });
});
