/**
 * FOCUS 1.2 exports of the cost store, against the real S3-compatible server for the bucket: the
 * files read back through the importer's own FOCUS reader without a refused row, and importing them
 * into an empty organisation (the cost store's import path) gives the same totals to the cent.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { bootstrapOrganization } from '@stratus/auth';
import { providerOf, readFocusCsv, readFocusParquet, type FocusBatch } from '@stratus/cloud';
import { withTenant, type CloudProvider } from '@stratus/db';
import { createTestObjectStore, type TestObjectStore } from '@stratus/testing';
import { startTestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import { linkAccount, type CostApp } from '../budgets/budgets.fixtures.ts';
import { seedArchiveMonth } from '../cost-archives/cost-archives.fixtures.ts';
import { applyImport } from '../cost-store/apply-import.ts';
import { insertCostLines } from '../cost-store/cost-lines.repository.ts';
import { FOCUS_EXPORT_COLUMNS } from './focus-export.ts';
import { stratus } from '../../../../../packages/cli/test/run-cli.ts';

let s3: TestObjectStore;
let cost: CostApp;
let accounts: string[];
const now = new Date();
const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10);

beforeAll(async () => {
  s3 = await createTestObjectStore();
  cost = await startTestApp(service, { overrides: s3.env });
  accounts = [await linkAccount(cost, cost.organizationId), await linkAccount(cost, cost.organizationId, { account_id: '210987654321' })];
  await seedArchiveMonth(cost.database.owner, { organizationId: cost.organizationId, cloudAccountId: accounts[0]!, month, lines: 3_000 });
  await seedArchiveMonth(cost.database.owner, { organizationId: cost.organizationId, cloudAccountId: accounts[1]!, month, lines: 500 });
});

afterAll(async () => {
  await cost?.close();
  await s3?.cleanup();
});

/** Sum per currency of an organisation's lines in the month, as PostgreSQL adds them. */
async function totals(organizationId: string, account?: string): Promise<Record<string, string>> {
  const { rows } = await sql<{ currency: string; amount: string }>`
    select currency::text, stratus_amount_text(sum(amount)) as amount from cost_data
     where organization_id = ${organizationId}::uuid and "timestamp" >= ${month}::date and "timestamp" < ${nextMonth}::date
       ${account ? sql`and cloud_account_id = ${account}::uuid` : sql``}
     group by currency order by currency
  `.execute(cost.database.owner);
  return Object.fromEntries(rows.map((row) => [row.currency, row.amount]));
}

async function readAll(batches: AsyncIterable<FocusBatch>) {
  const rows = [];
  const errors = [];
  for await (const batch of batches) {
    rows.push(...batch.rows);
    errors.push(...batch.errors);
  }
  return { rows, errors };
}

/**
 * Imports a FOCUS file's rows into a new organisation as ingestion routes a billing account's file:
 * one linked account per provider and SubAccountId, one import each, applied by the cost store.
 */
async function importIntoEmptyOrganisation(rows: Awaited<ReturnType<typeof readAll>>['rows']): Promise<string> {
  const { organization } = await bootstrapOrganization(cost.database.owner, { organizationName: `Round trip ${randomUUID()}`, adminEmail: `${randomUUID()}@trip.test` });
  const shares = Map.groupBy(rows, (row) => `${providerOf(row.provider_name!)}|${row.sub_account_id}`);
  for (const [key, lines] of shares) {
    const [provider, accountId] = key.split('|') as [CloudProvider, string];
    const account = await linkAccount(cost, organization.id, { provider, account_id: accountId });
    const importId = randomUUID();
    const starts = lines.map((line) => line.charge_period_start).sort();
    const period = { start: new Date(month), end: new Date(nextMonth) };
    expect(starts[0]! >= month && starts.at(-1)! < nextMonth).toBe(true);
    await cost.database.owner
      .insertInto('cost_import_progress')
      .values({ import_id: importId, organization_id: organization.id, cloud_account_id: account, source: 'file', batches: 1, received_batches: [0], period_start: period.start, period_end: period.end })
      .execute();
    await withTenant(cost.deps.db, organization.id, async (trx) => {
      await insertCostLines(trx, { organization_id: organization.id, cloud_account_id: account, provider, import_id: importId }, lines);
      await applyImport(
        trx,
        { import_id: importId, organization_id: organization.id, cloud_account_id: account, received: 1, rows_received: lines.length, batches: 1, period_start: period.start, period_end: period.end },
        { outbox: cost.deps.outbox, retentionMonths: 13, now },
      );
    });
  }
  return organization.id;
}

describe('FOCUS export', () => {
  it('downloads as CSV with the FOCUS 1.2 columns and Stratus ids, and re-imports to the same totals', async () => {
    const response = await cost.app.inject({
      method: 'GET',
      url: `/v1/costs/focus-export?from=${month}&to=${nextMonth}&format=csv`,
      headers: { authorization: `Bearer ${cost.token}` },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header] = response.body.split('\n');
    expect(header!.split(',')).toEqual(FOCUS_EXPORT_COLUMNS);
    expect(header).toContain('x_StratusLineId');

    const { rows, errors } = await readAll(readFocusCsv(Readable.from([response.body])));
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(3_500);
    const imported = await importIntoEmptyOrganisation(rows);
    expect(await totals(imported)).toEqual(await totals(cost.organizationId));
  });

  it('writes Parquet of some accounts to the bucket with a link that downloads it, and re-imports to the same totals', async () => {
    const response = await cost.call('POST', '/v1/costs/focus-exports', { body: { from: month, to: nextMonth, format: 'parquet', accounts: [accounts[1]] } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ bucket: s3.env.S3_BUCKET, format: 'parquet', rows: 500 });
    expect(response.body.key).toMatch(new RegExp(`^exports/focus/organization_id=${cost.organizationId}/${month}_${nextMonth}_.+\\.parquet$`));

    const download = await fetch(response.body.url);
    expect(download.status).toBe(200);
    const { rows, errors } = await readAll(readFocusParquet(new Uint8Array(await download.arrayBuffer())));
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(500);
    const imported = await importIntoEmptyOrganisation(rows);
    expect(await totals(imported)).toEqual(await totals(cost.organizationId, accounts[1]));
  });

  it('is downloaded and written to the bucket by the CLI, against the running API', async () => {
    const address = await cost.app.listen({ host: '127.0.0.1', port: 0 });
    const env = { STRATUS_COST_URL: address, STRATUS_TOKEN: cost.token };
    const dir = await mkdtemp(join(tmpdir(), 'stratus-focus-'));
    try {
      const output = join(dir, 'export.parquet');
      const downloaded = await stratus(['costs', 'export', '--from', month, '--to', nextMonth, '--format', 'parquet', '--account', accounts[0]!, '--output', output], env);
      expect(downloaded.stderr).toBe('');
      expect(downloaded.stdout).toMatch(new RegExp(`^${output}: \\d+ bytes\n$`));
      expect((await readAll(readFocusParquet(output))).rows).toHaveLength(3_000);

      const stored = await stratus(['costs', 'export', '--from', month, '--to', nextMonth, '--bucket'], env);
      expect(stored.stdout).toMatch(new RegExp(`^3500 cost lines written to s3://${s3.env.S3_BUCKET}/exports/focus/.+\\.csv\nhttp`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a backwards range by name, and a bucket export without an object store names the setting', async () => {
    const backwards = await cost.call('GET', `/v1/costs/focus-export?from=${nextMonth}&to=${month}`);
    expect(backwards.status).toBe(400);
    expect(backwards.body.message).toBe(`from (${nextMonth}) must be before to (${month}): the range is [from, to)`);
    const bare = await startTestApp(service);
    try {
      const response = await bare.call('POST', '/v1/costs/focus-exports', { body: { from: month, to: nextMonth } });
      expect(response.status).toBe(409);
      expect(response.body.details).toEqual({ setting: 'S3_ENDPOINT' });
    } finally {
      await bare.close();
    }
  });
});
