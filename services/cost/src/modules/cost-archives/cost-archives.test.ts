/**
 * Archiving a month past retention against the real S3-compatible server (scripts/s3.sh), in a
 * bucket of this file's own: archive -> drop -> restore gives back every line exactly, sums to the
 * cent; a month whose archive cannot be written is kept; a restored month is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig, objectStoreEnv } from '@stratus/config';
import { fromUnits, toUnits } from '@stratus/db';
import { OptionalObjectStore } from '@stratus/object-store';
import { createTestObjectStore, type TestObjectStore } from '@stratus/testing';
import { startTestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import { runCostMaintenance } from '../../jobs/cost-maintenance.ts';
import { linkAccount, type CostApp } from '../budgets/budgets.fixtures.ts';
import { monthFingerprint, seedArchiveMonth } from './cost-archives.fixtures.ts';
import { archivePrefix } from './cost-archives.service.ts';
import { stratus } from '../../../../../packages/cli/test/run-cli.ts';

let s3: TestObjectStore;
let cost: CostApp;
let accountId: string;
const now = new Date();
// Past the default retention (13 months besides the current one).
const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 20, 1)).toISOString().slice(0, 10);
const partition = `cost_data_y${month.slice(0, 4)}m${month.slice(5, 7)}`;

beforeAll(async () => {
  s3 = await createTestObjectStore();
  cost = await startTestApp(service, { overrides: s3.env });
  accountId = await linkAccount(cost, cost.organizationId);
  const { id: resourceId } = await cost.database.owner
    .insertInto('resources')
    .values({ organization_id: cost.organizationId, cloud_account_id: accountId, provider: 'AWS', provider_resource_id: 'i-0', name: 'i-0', type: 'vm', region: 'eu-west-1' })
    .returning('id')
    .executeTakeFirstOrThrow();
  // Over two row groups (ARCHIVE_PAGE_ROWS).
  await seedArchiveMonth(cost.database.owner, { organizationId: cost.organizationId, cloudAccountId: accountId, month, lines: 60_123, resourceId });
});

afterAll(async () => {
  await cost?.close();
  await s3?.cleanup();
});

const maintain = (objects: OptionalObjectStore) =>
  runCostMaintenance({ db: cost.deps.db, outbox: cost.deps.outbox, logger: cost.deps.logger, config: cost.deps.config, objects });

const partitionExists = async () =>
  (await sql<{ name: string }>`select partition_name as name from stratus_cost_data_partitions()`.execute(cost.database.owner)).rows.some(
    (row) => row.name === partition,
  );

describe('cost archives', () => {
  it('keep a month whose archive cannot be written', async () => {
    const before = await monthFingerprint(cost.database.owner, month);
    const missingBucket = new OptionalObjectStore(loadConfig(objectStoreEnv, { ...s3.env, S3_BUCKET: `${s3.env.S3_BUCKET}-missing` }));
    const report = await maintain(missingBucket);
    expect(report.partitionsDropped).toEqual([]);
    expect(report.partitionsKept).toEqual([partition]);
    expect(await monthFingerprint(cost.database.owner, month)).toEqual(before);
    expect((await cost.call('GET', '/v1/costs/archives')).body.items).toEqual([]);
  });

  it('archive a month as Parquet with its manifest, drop it, and restore every line exactly', async () => {
    const before = await monthFingerprint(cost.database.owner, month);
    expect(before.rows).toBe(60_123);

    const report = await maintain(new OptionalObjectStore(cost.deps.config));
    expect(report.partitionsDropped).toEqual([partition]);
    expect(await partitionExists()).toBe(false);

    const listed = await cost.call('GET', '/v1/costs/archives');
    expect(listed.status).toBe(200);
    const prefix = archivePrefix(cost.organizationId, month);
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        month,
        status: 'archived',
        bucket: s3.env.S3_BUCKET,
        manifest_key: `${prefix}manifest.json`,
        object_keys: [`${prefix}cost_data.parquet`],
        rows: '60123',
        sums: before.sums,
      }),
    ]);
    const manifest = JSON.parse((await s3.store.get(`${prefix}manifest.json`))!.toString());
    expect(manifest).toMatchObject({ format: 'stratus.cost-archive', rows: 60_123, sums: before.sums });
    expect((await s3.store.head(`${prefix}cost_data.parquet`))!.size).toBe(Number(listed.body.items[0].bytes));

    // Tags with regions: no rollup holds them, so only raw lines answer, and the month has none.
    const nextMonth = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1)).toISOString().slice(0, 10);
    const rawQuestion = `/v1/costs/breakdown?group_by=tag:team,region&granularity=month&from=${month}&to=${nextMonth}&limit=500`;
    const beforeRestore = await cost.call('GET', rawQuestion);
    expect(beforeRestore.status).toBe(400);
    expect(beforeRestore.body.message).toContain('or restore the archived months (stratus costs archives restore)');

    const restored = await cost.call('POST', `/v1/costs/archives/${month.slice(0, 7)}/restore`);
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    expect(restored.body).toMatchObject({ status: 'restored', rows: '60123' });
    // Every column of every line, ids included, and so the sums to the cent.
    expect(await monthFingerprint(cost.database.owner, month)).toEqual(before);

    const answered = await cost.call('GET', rawQuestion);
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body.source).toBe('raw');
    const sums = new Map<string, bigint>();
    for (const item of answered.body.items) sums.set(item.currency, (sums.get(item.currency) ?? 0n) + toUnits(item.amount));
    expect(Object.fromEntries([...sums].map(([currency, units]) => [currency, fromUnits(units)]))).toEqual(before.sums);

    // Asked again: nothing twice.
    expect((await cost.call('POST', `/v1/costs/archives/${month.slice(0, 7)}/restore`)).status).toBe(200);
    expect(await monthFingerprint(cost.database.owner, month)).toEqual(before);

    // A restored month is kept by maintenance.
    const next = await maintain(new OptionalObjectStore(cost.deps.config));
    expect(next.partitionsKept).toEqual([partition]);
    expect(await partitionExists()).toBe(true);
  });

  it('are listed and restored by the CLI, against the running API', async () => {
    const address = await cost.app.listen({ host: '127.0.0.1', port: 0 });
    const env = { STRATUS_COST_URL: address, STRATUS_TOKEN: cost.token };
    const listed = await stratus(['costs', 'archives', 'list'], env);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toMatch(new RegExp(`^MONTH +STATUS +ROWS +SUMS +LOCATION\n${month.slice(0, 7)} +restored +60123 +\\S+ EUR, \\S+ USD +s3://${s3.env.S3_BUCKET}/cost-archives/`));
    const restored = await stratus(['costs', 'archives', 'restore', month.slice(0, 7)], env);
    expect(restored.stdout).toMatch(new RegExp(`^${month.slice(0, 7)}: restored, 60123 cost lines`));
    const missing = await stratus(['costs', 'archives', 'restore', '2001-01'], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('404 no archive of 2001-01');
  });

  it('answer for a month never archived, and a bad month, by name', async () => {
    const missing = await cost.call('POST', '/v1/costs/archives/2001-01/restore');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('no archive of 2001-01: GET /v1/costs/archives lists them');
    const bad = await cost.call('POST', '/v1/costs/archives/2001-13/restore');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('params.month must be a month, YYYY-MM');
  });

  it('without an object store, say which setting is missing', async () => {
    const bare = await startTestApp(service);
    try {
      const response = await bare.call('POST', '/v1/costs/archives/2001-01/restore');
      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(/^restoring an archived cost month needs object storage, and S3_ENDPOINT is not set/);
      expect(response.body.details).toEqual({ setting: 'S3_ENDPOINT' });
      expect((await bare.call('GET', '/v1/costs/archives')).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
