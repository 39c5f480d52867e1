/**
 * Archiving a month of BENCH_ARCHIVE_ROWS cost lines (5,000,000 by default) to the S3-compatible
 * server as Parquet (the cost maintenance's archiveMonth: read in pages, encoded and uploaded a row
 * group at a time, read back and checked), then restoring it, beside the baseline of the same run:
 * COPY TO of the same lines as text. Prints rows/s and the archive's size beside the partition's
 * size on disk. Run it with `scripts/bench.sh archive` (BENCH_ARCHIVE_ROWS=200000 for a quick one);
 * it creates and drops its own database and bucket and stops by itself.
 */
import { sql } from 'kysely';
import { bootstrapOrganization } from '@stratus/auth';
import { createDb } from '@stratus/db';
import { copyOut, createBenchDatabase, createTestObjectStore, rate, time } from '@stratus/testing/bench';
import { archiveMonth, restoreArchive } from '../src/modules/cost-archives/cost-archives.service.ts';
import { seedArchiveMonth } from '../src/modules/cost-archives/cost-archives.fixtures.ts';

const ROWS = Number(process.env.BENCH_ARCHIVE_ROWS ?? 5_000_000);
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const database = await createBenchDatabase('archive');
const s3 = await createTestObjectStore();
const owner = createDb({ url: database.url, max: 2 });
const costDb = createDb({ url: database.url, role: 'stratus_cost', max: 2 });
try {
  const { organization } = await bootstrapOrganization(owner, { organizationName: 'bench', adminEmail: 'admin@bench.test' });
  const account = await owner
    .insertInto('cloud_accounts')
    .values({ organization_id: organization.id, name: 'bench', provider: 'AWS', account_id: '111122223333' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 20, 1)).toISOString().slice(0, 10);
  const partition = `cost_data_y${month.slice(0, 4)}m${month.slice(5, 7)}`;
  const loadMs = await time(async () => {
    await seedArchiveMonth(owner, { organizationId: organization.id, cloudAccountId: account.id, month, lines: ROWS });
    await sql`analyze ${sql.table(partition)}`.execute(owner);
  });
  const { rows } = await sql<{ bytes: string }>`select pg_total_relation_size(${partition}::regclass)::text as bytes`.execute(owner);
  const partitionBytes = Number(rows[0]!.bytes);
  console.log(`archiving a month of ${ROWS.toLocaleString('en')} cost lines (${(loadMs / 1000).toFixed(0)} s to load); partition ${partition}: ${megabytes(partitionBytes)} on disk`);

  const range = `"timestamp" >= '${month}T00:00:00Z' and "timestamp" < ('${month}T00:00:00Z'::timestamptz + interval '1 month')`;
  let copied = { bytes: 0 };
  const copyMs = await time(async () => {
    copied = await copyOut(database.url, `select * from cost_data where ${range}`);
  });
  console.log(`  baseline COPY TO STDOUT (text)   ${String(rate(ROWS, copyMs)).padStart(8)} rows/s  ${(copyMs / 1000).toFixed(1).padStart(6)} s  ${megabytes(copied.bytes)} of text`);

  let archive: Awaited<ReturnType<typeof archiveMonth>> | undefined;
  const archiveMs = await time(async () => {
    archive = await archiveMonth(costDb, s3.store, organization.id, month);
  });
  const archiveBytes = Number(archive!.bytes);
  console.log(
    `  archive to Parquet in the bucket  ${String(rate(ROWS, archiveMs)).padStart(8)} rows/s  ${(archiveMs / 1000).toFixed(1).padStart(6)} s  ` +
      `${megabytes(archiveBytes)} (${((archiveBytes / partitionBytes) * 100).toFixed(0)}% of the partition on disk), ${(copyMs / archiveMs).toFixed(2)}x COPY's rate`,
  );

  await sql`select stratus_drop_cost_data_partition(${partition}, now())`.execute(owner);
  const restoreMs = await time(() => restoreArchive(costDb, s3.store, organization.id, month));
  console.log(`  restore from the bucket           ${String(rate(ROWS, restoreMs)).padStart(8)} rows/s  ${(restoreMs / 1000).toFixed(1).padStart(6)} s`);
} finally {
  await Promise.all([owner.destroy(), costDb.destroy()]);
  await database.drop();
  await s3.cleanup();
}
