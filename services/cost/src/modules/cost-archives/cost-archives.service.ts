import { sql, type Kysely } from 'kysely';
import { fromUnits, withTenant, type Database } from '@stratus/db';
import { AppError } from '@stratus/http';
import type { ObjectStore } from '@stratus/object-store';
import { ArchiveFileWriter, openArchiveFile, readArchiveFile } from './archive-file.ts';
import { findArchive, insertLines, monthTotals, readLines, type CostArchive, type MonthTotals } from './cost-archives.repository.ts';

/** Lines read, encoded and uploaded at a time: one Parquet row group each (about 10 MB of Node objects at most). */
export const ARCHIVE_PAGE_ROWS = 50_000;

/** Written beside the Parquet object; what the archive holds, checked before the month is dropped and after a restore. */
export interface ArchiveManifest extends MonthTotals {
  format: 'stratus.cost-archive';
  version: 1;
  organization_id: string;
  month: string;
  objects: { key: string; rows: number; bytes: number }[];
  written_at: string;
}

/** Where an organisation's month lives in the bucket: Hive-style partitions, readable by any Parquet engine. */
export function archivePrefix(organizationId: string, month: string): string {
  return `cost-archives/organization_id=${organizationId}/month=${month.slice(0, 7)}/`;
}

function sameTotals(a: MonthTotals, b: MonthTotals): boolean {
  return a.rows === b.rows && JSON.stringify(Object.entries(a.sums).sort()) === JSON.stringify(Object.entries(b.sums).sort());
}

function describeTotals(totals: MonthTotals): string {
  return `${totals.rows} rows, ${Object.entries(totals.sums).map(([currency, sum]) => `${sum} ${currency}`).join(', ') || 'no amount'}`;
}

/**
 * Writes one organisation's counted lines of a month to the bucket as Parquet with its manifest,
 * reads the manifest and the Parquet footer back and compares them with what PostgreSQL sums, and
 * only then records the month as archived. Returns the archive; throws when any check fails (the
 * caller must then keep the lines). An archive already made is returned as it is.
 */
export async function archiveMonth(db: Kysely<Database>, store: ObjectStore, organizationId: string, month: string): Promise<CostArchive> {
  const prefix = archivePrefix(organizationId, month);
  const dataKey = `${prefix}cost_data.parquet`;
  const manifestKey = `${prefix}manifest.json`;
  return withTenant(db, organizationId, async (trx) => {
    await trx
      .insertInto('cost_archives')
      .values({ organization_id: organizationId, month, bucket: store.bucket, manifest_key: manifestKey })
      .onConflict((conflict) => conflict.columns(['organization_id', 'month']).doNothing())
      .execute();
    const existing = (await findArchive(trx, month))!;
    if (existing.status !== 'writing') return existing;

    const writer = new ArchiveFileWriter(store, dataKey);
    const sums = new Map<string, bigint>();
    try {
      let after: string | null = null;
      for (;;) {
        const lines = await readLines(trx, month, after, ARCHIVE_PAGE_ROWS);
        if (lines.length === 0) break;
        for (const line of lines) sums.set(line.currency, (sums.get(line.currency) ?? 0n) + line.amount_units);
        await writer.write(lines);
        after = lines.at(-1)!.id;
      }
      await writer.finish();
    } catch (error) {
      await writer.abort(error as Error);
      throw error;
    }

    const manifest: ArchiveManifest = {
      format: 'stratus.cost-archive',
      version: 1,
      organization_id: organizationId,
      month,
      rows: writer.rows,
      sums: Object.fromEntries([...sums].sort(([a], [b]) => a.localeCompare(b)).map(([currency, units]) => [currency, fromUnits(units)])),
      objects: [{ key: dataKey, rows: writer.rows, bytes: writer.size }],
      written_at: new Date().toISOString(),
    };
    await store.put(manifestKey, JSON.stringify(manifest, null, 2), { contentType: 'application/json' });

    // Checked from what the bucket answers, not from what was sent.
    const stored = await readManifest(store, manifestKey);
    const { metadata } = await openArchiveFile(store, dataKey);
    const inDatabase = await monthTotals(trx, month);
    if (!sameTotals(stored, inDatabase) || Number(metadata.num_rows) !== inDatabase.rows) {
      throw new Error(
        `the archive of ${month.slice(0, 7)} at s3://${store.bucket}/${prefix} does not match the cost store: manifest ${describeTotals(stored)}, ` +
          `Parquet ${metadata.num_rows} rows, cost_data ${describeTotals(inDatabase)}; the month is kept`,
      );
    }
    return trx
      .updateTable('cost_archives')
      .set({
        status: 'archived',
        object_keys: [dataKey],
        rows: String(stored.rows),
        bytes: String(writer.size),
        sums: JSON.stringify(stored.sums),
        archived_at: new Date(),
      })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

async function readManifest(store: ObjectStore, key: string): Promise<ArchiveManifest> {
  const body = await store.get(key);
  if (!body) throw new Error(`the archive manifest ${key} is missing from bucket ${store.bucket}`);
  return JSON.parse(body.toString('utf8')) as ArchiveManifest;
}

/**
 * Puts an archived month's lines back into cost_data, where raw questions and exports find them
 * again; the rollups already hold the month (it was downsampled before the drop) and are left as
 * they are. The month is marked restoring before its partition is made, so maintenance leaves it;
 * a restore that fails part way can simply be asked again.
 */
export async function restoreArchive(db: Kysely<Database>, store: ObjectStore, organizationId: string, month: string): Promise<CostArchive> {
  const archive = await withTenant(db, organizationId, async (trx) => {
    const found = await findArchive(trx, month);
    if (!found) throw new AppError('not_found', `no archive of ${month.slice(0, 7)}: GET /v1/costs/archives lists them`);
    if (found.status === 'restored') return found;
    return trx.updateTable('cost_archives').set({ status: 'restoring' }).where('id', '=', found.id).returningAll().executeTakeFirstOrThrow();
  });
  if (archive.status === 'restored') return archive;
  if (archive.bucket !== store.bucket) {
    throw new AppError('conflict', `the archive of ${month.slice(0, 7)} is in bucket ${archive.bucket}, and S3_BUCKET is ${store.bucket}`);
  }
  await sql`select ensure_cost_data_partitions(${month}::date, 1)`.execute(db);

  const manifest = await readManifest(store, archive.manifest_key);
  for (const object of manifest.objects) {
    for await (const lines of readArchiveFile(store, object.key)) {
      await withTenant(db, organizationId, (trx) => insertLines(trx, lines));
    }
  }
  return withTenant(db, organizationId, async (trx) => {
    const restored = await monthTotals(trx, month);
    if (!sameTotals(manifest, restored)) {
      throw new Error(`the restored ${month.slice(0, 7)} holds ${describeTotals(restored)}, its manifest ${describeTotals(manifest)}`);
    }
    return trx
      .updateTable('cost_archives')
      .set({ status: 'restored', restored_at: new Date() })
      .where('id', '=', archive.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}
