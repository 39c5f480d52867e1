import { sql } from 'kysely';
import { withTenant } from '@stratus/db';
import type { OptionalObjectStore } from '@stratus/object-store';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';
import { retentionCutoff } from '@stratus/config';
import type { CostConfig } from '../config.ts';
import { CostDataPartitions } from '../modules/cost-store/partitions.ts';
import { addSelectedLines, clearRollupMonth } from '../modules/cost-store/rollups.repository.ts';
import { giveUpImport } from '../modules/cost-store/apply-import.ts';
import { archiveMonth } from '../modules/cost-archives/cost-archives.service.ts';
import { findArchive } from '../modules/cost-archives/cost-archives.repository.ts';

type MaintenanceDeps = Pick<ServiceDeps<CostConfig & ServiceDeps['config']>, 'db' | 'outbox' | 'logger' | 'config'> & {
  objects: OptionalObjectStore;
};

export interface MaintenanceReport {
  partitionsCreated: number;
  importsAbandoned: number;
  /** Months downsampled into the rollups and dropped, as partition names. */
  partitionsDropped: string[];
  /** Months kept past retention: restored from their archive, or their archive failed (logged). */
  partitionsKept: string[];
}

/**
 * The cost store's upkeep, safe to run on every replica at once (a session advisory lock lets one
 * pass run at a time; partition creation and drops are idempotent):
 * - monthly partitions exist for this month and COST_PARTITIONS_AHEAD months ahead;
 * - an import whose batches stopped arriving (its producer died mid-import) is abandoned and its
 *   lines deleted: it was never counted, so no total changes; its importer hears it (cost_import.refused);
 * - months older than COST_RAW_RETENTION_MONTHS are downsampled: each account's rollups of the
 *   month are rebuilt from its counted lines (so they hold exactly what the lines add up to), then
 *   the month's partition is dropped. Totals read from the rollups are the same before and after.
 *   With an object store (S3_ENDPOINT), each organisation's lines of the month are first archived
 *   as Parquet and checked (archiveMonth); a month whose archive fails is kept, to be tried again on
 *   the next pass, and a month restored from its archive is kept.
 */
export async function runCostMaintenance(deps: MaintenanceDeps, now = new Date()): Promise<MaintenanceReport> {
  const { db, outbox, config, logger } = deps;
  const partitions = new CostDataPartitions(db);
  return db.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(hashtext('stratus_cost_maintenance')) as locked`.execute(connection);
    if (!rows[0]!.locked) return { partitionsCreated: 0, importsAbandoned: 0, partitionsDropped: [], partitionsKept: [] };
    try {
      const partitionsCreated = await partitions.ensureAhead(now, config.COST_PARTITIONS_AHEAD);

      const idleSince = new Date(now.getTime() - config.COST_IMPORT_ABANDON_AFTER_HOURS * 3_600_000);
      const stale = await sql<{ import_id: string; organization_id: string; cloud_account_id: string }>`
        select import_id, organization_id, cloud_account_id from stratus_stale_cost_imports(${idleSince})
      `.execute(connection);
      for (const imported of stale.rows) {
        const reason = `its batches stopped arriving for ${config.COST_IMPORT_ABANDON_AFTER_HOURS} h (COST_IMPORT_ABANDON_AFTER_HOURS): abandoned; import the file again`;
        await withTenant(db, imported.organization_id, (trx) => giveUpImport(trx, outbox, imported, { status: 'abandoned', reason, now }));
        logger.warn(imported, 'cost import abandoned: its batches stopped arriving; its lines were deleted');
      }

      const cutoff = retentionCutoff(now, config.COST_RAW_RETENTION_MONTHS);
      const expired = await sql<{ partition_name: string; range_start: Date; range_end: Date }>`
        select partition_name, range_start, range_end from stratus_cost_data_partitions() where range_end <= ${cutoff}
      `.execute(connection);
      const partitionsDropped: string[] = [];
      const partitionsKept: string[] = [];
      for (const partition of expired.rows) {
        const month = partition.range_start.toISOString().slice(0, 10);
        const accounts = await sql<{ organization_id: string; cloud_account_id: string }>`
          select organization_id, cloud_account_id from stratus_cost_data_accounts(${partition.range_start}, ${partition.range_end})
        `.execute(connection);
        const organizations = [...new Set(accounts.rows.map((account) => account.organization_id))];
        if (!(await archivedOrKept(deps, organizations, month, partition.partition_name))) {
          partitionsKept.push(partition.partition_name);
          continue;
        }
        for (const account of accounts.rows) {
          await withTenant(db, account.organization_id, async (trx) => {
            await clearRollupMonth(trx, account.cloud_account_id, month);
            await addSelectedLines(trx, {
              cloud_account_id: account.cloud_account_id,
              period: { start: partition.range_start, end: partition.range_end },
              lines: { kind: 'counted' },
            });
          });
        }
        await sql`select stratus_drop_cost_data_partition(${partition.partition_name}, ${cutoff})`.execute(connection);
        partitionsDropped.push(partition.partition_name);
        logger.info({ partition: partition.partition_name, accounts: accounts.rows.length }, 'cost month downsampled into the rollups and its partition dropped');
      }
      return { partitionsCreated, importsAbandoned: stale.rows.length, partitionsDropped, partitionsKept };
    } finally {
      await sql`select pg_advisory_unlock(hashtext('stratus_cost_maintenance'))`.execute(connection);
    }
  });
}

/**
 * Whether the month may be dropped: every organisation's lines are archived (or there is no object
 * store to archive to, which is logged), and none restored the month from its archive.
 */
async function archivedOrKept(deps: MaintenanceDeps, organizations: string[], month: string, partition: string): Promise<boolean> {
  const { db, objects, logger } = deps;
  for (const organizationId of organizations) {
    const archive = await withTenant(db, organizationId, (trx) => findArchive(trx, month));
    if (archive?.status === 'restoring' || archive?.status === 'restored') return false;
  }
  if (!objects.store) {
    logger.warn({ partition }, 'cost month dropped without an archive: S3_ENDPOINT is not set');
    return true;
  }
  for (const organizationId of organizations) {
    try {
      const archive = await archiveMonth(db, objects.store, organizationId, month);
      logger.info({ partition, organizationId, rows: archive.rows, bytes: archive.bytes }, 'cost month archived');
    } catch (error) {
      logger.error({ err: error, partition, organizationId }, 'cost month not archived: its lines are kept, to be archived on the next pass');
      return false;
    }
  }
  return true;
}

export function costMaintenance(deps: MaintenanceDeps): BackgroundTask {
  return periodicTask('cost maintenance', deps.config.COST_MAINTENANCE_INTERVAL_MS, deps.logger, () => runCostMaintenance(deps));
}
