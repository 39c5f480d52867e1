import { sql, type Kysely } from 'kysely';
import type { Database } from '@stratus/db';
import { commuting, type EventHandler, type Outbox } from '@stratus/events';
import type { ServiceDeps } from '@stratus/runtime';
import { evaluateBudgets } from '../modules/budgets/budget-evaluation.ts';
import { applyImport, giveUpImport, ImportRejected } from '../modules/cost-store/apply-import.ts';
import { insertCostLines, monthsOf } from '../modules/cost-store/cost-lines.repository.ts';
import { isComplete, recordBatch } from '../modules/cost-store/import-progress.repository.ts';
import { CostDataPartitions } from '../modules/cost-store/partitions.ts';

export interface CostIngestedDeps {
  db: Kysely<Database>;
  outbox: Outbox;
  logger: ServiceDeps['logger'];
  config: { COST_RAW_RETENTION_MONTHS: number };
}

/**
 * Writes each batch's lines as it arrives; the batch that completes an import applies it (its
 * lines count, the lines it replaces go) and re-evaluates the budgets over the days it changed.
 * A batch already held, or of an import no longer receiving, writes nothing: a re-delivered or
 * re-published batch never doubles a cost.
 *
 * Batches of one import commute, so the consumer applies consecutive ones at once: each writes its
 * lines first and only then records itself on the import's progress row, whose lock orders the
 * batches' commits; the batch that finds the import complete sees every other batch committed.
 * Batches of different imports are applied one after the other, in their order on the partition.
 */
export function costIngested(deps: CostIngestedDeps): EventHandler<'cost.ingested'> {
  const partitions = new CostDataPartitions(deps.db);
  const logger = deps.logger.child({ consumer: 'cost.ingested' });
  return commuting((event) => event.data.import_id, async (event, trx) => {
    const { data } = event;
    const account = await trx
      .selectFrom('cloud_accounts')
      .select('provider')
      .where('id', '=', data.cloud_account_id)
      .executeTakeFirst();
    if (!account) throw new ImportRejected(`cloud account ${data.cloud_account_id} does not exist in organisation ${event.tenant}`);
    if (account.provider !== data.provider) {
      throw new ImportRejected(`cloud account ${data.cloud_account_id} is ${account.provider}, the batch says ${data.provider}`);
    }
    await partitions.ensure(monthsOf(data.rows));
    await sql`savepoint batch_lines`.execute(trx);
    await insertCostLines(trx, { organization_id: event.tenant, cloud_account_id: data.cloud_account_id, provider: data.provider, import_id: data.import_id }, data.rows);
    const progress = await recordBatch(trx, event.tenant, data);
    if (!progress) {
      await sql`rollback to savepoint batch_lines`.execute(trx);
      logger.info({ import_id: data.import_id, batch: data.batch.index }, 'batch already held, or its import is no longer receiving: skipped');
      return;
    }
    if (!isComplete(progress)) return;
    const now = new Date();
    await sql`savepoint apply_import`.execute(trx);
    let applied;
    try {
      applied = await applyImport(trx, progress, { outbox: deps.outbox, retentionMonths: deps.config.COST_RAW_RETENTION_MONTHS, now });
    } catch (error) {
      if (!(error instanceof ImportRejected)) throw error;
      // Retrying cannot change the answer: the import is refused, and its importer told why.
      await sql`rollback to savepoint apply_import`.execute(trx);
      await giveUpImport(trx, deps.outbox, progress, { status: 'refused', reason: error.message, now });
      logger.warn({ import_id: data.import_id, cloud_account_id: data.cloud_account_id, reason: error.message }, 'cost import refused');
      return;
    }
    const alerts = await evaluateBudgets(trx, deps.outbox, { organizationId: event.tenant, ...applied.days });
    logger.info(
      { import_id: data.import_id, cloud_account_id: data.cloud_account_id, batches: progress.batches, days: applied.days, aggregated: applied.aggregated, alerts },
      'cost import applied',
    );
  });
}
