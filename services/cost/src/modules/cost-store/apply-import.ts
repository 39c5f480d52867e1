import { sql, type Transaction } from 'kysely';
import { beyondRetention } from '@stratus/config';
import { withoutPlanMethods, type Database } from '@stratus/db';
import { RejectedEventError, type Outbox, type PublishManyItem } from '@stratus/events';
import { hasAppliedOverlap, markApplied, type ImportProgress } from './import-progress.repository.ts';
import { addSelectedLines, removeLines, whereLines, type LineSelection } from './rollups.repository.ts';
import { addDays, utcDay, type DayRange } from '../../calendar.ts';
import { dailyTotals, changedDays } from './daily-totals.ts';

export type CompleteImport = ImportProgress & { batches: number; period_start: Date; period_end: Date };

export interface ApplyOptions {
  /** Where the cost.aggregated and cost_import.applied events go. */
  outbox: Outbox;
  /** COST_RAW_RETENTION_MONTHS: older lines have been downsampled; an import may not reach back past them. */
  retentionMonths: number;
  now: Date;
}

export interface AppliedImport {
  /** The UTC days whose totals the import may have changed, half-open. */
  days: DayRange;
  /** cost.aggregated events published. */
  aggregated: number;
}

/** Deterministic refusals: retrying cannot help, so the consumer dead-letters them at once (reason `rejected`). */
export class ImportRejected extends RejectedEventError {
  override name = 'ImportRejected';
}

const RESOURCE_COST_WINDOW_DAYS = 30;

/**
 * Applies an import that holds all its batches, in the transaction of the batch that completed it:
 * the lines it replaces (earlier imports' lines of the account in its period) are deleted and taken
 * out of the rollups, its own lines are added, and what depends on the totals follows: the
 * monthly costs_breakdown, each resource's cost_daily/cost_monthly, and cost.aggregated events for
 * the days whose totals changed.
 */
export async function applyImport(trx: Transaction<Database>, progress: CompleteImport, options: ApplyOptions): Promise<AppliedImport> {
  const period = { start: progress.period_start, end: progress.period_end };
  const tooOld = beyondRetention(period.start, options.now, options.retentionMonths);
  if (tooOld) throw new ImportRejected(`the import's period starts at ${tooOld}: its months are already downsampled`);
  const account = progress.cloud_account_id;
  const days = dayRangeOf(period);
  const before = await dailyTotals(trx, account, days);

  // The contract says an import covers summary.period; a line outside it could never be replaced.
  await sql`
    delete from cost_data c
     where c.cloud_account_id = ${account}::uuid and c.import_id = ${progress.import_id}::uuid
       and (c."timestamp" < ${period.start}::timestamptz or c."timestamp" >= ${period.end}::timestamptz)
  `.execute(trx);

  if (await hasAppliedOverlap(trx, account, period, progress.import_id)) {
    const replaced: LineSelection = { cloud_account_id: account, period, lines: { kind: 'replaced', import_id: progress.import_id } };
    await removeLines(trx, replaced);
  }
  await addSelectedLines(trx, { cloud_account_id: account, period, lines: { kind: 'import', import_id: progress.import_id } });
  await markApplied(trx, progress.import_id);
  await recordEstimatedDays(trx, progress, days);

  await refreshCostsBreakdown(trx, account, days);
  const windowStart = new Date(options.now.getTime() - RESOURCE_COST_WINDOW_DAYS * 86_400_000);
  if (period.end > windowStart) await refreshResourceCosts(trx, account, windowStart, options.now);

  const after = await dailyTotals(trx, account, days);
  const events: PublishManyItem[] = changedDays(before, after, days).map((data) => ({
    type: 'cost.aggregated',
    tenant: progress.organization_id,
    data: { cloud_account_id: account, ...data },
  }));
  const applied: PublishManyItem = {
    type: 'cost_import.applied',
    tenant: progress.organization_id,
    data: {
      import_id: progress.import_id,
      cloud_account_id: account,
      rows: progress.rows_received,
      period: { start: period.start.toISOString(), end: period.end.toISOString() },
      applied_at: options.now.toISOString(),
    },
  };
  await options.outbox.publishMany(trx, [...events, applied]);
  return { days, aggregated: events.length };
}

/**
 * Gives an import up for good: refused (the cost store cannot apply it) or abandoned (its batches
 * stopped arriving). Its lines go (none was counted yet), its progress says so, so a batch
 * delivered again is skipped, and the importer hears why (cost_import.refused). Nothing happens to
 * an import no longer receiving; false then.
 */
export async function giveUpImport(
  trx: Transaction<Database>,
  outbox: Outbox,
  progress: Pick<ImportProgress, 'import_id' | 'organization_id' | 'cloud_account_id'>,
  outcome: { status: 'refused' | 'abandoned'; reason: string; now: Date },
): Promise<boolean> {
  const updated = await trx
    .updateTable('cost_import_progress')
    .set({ status: outcome.status, updated_at: outcome.now })
    .where('import_id', '=', progress.import_id)
    .where('status', '=', 'receiving')
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) return false;
  await sql`delete from cost_data where cloud_account_id = ${progress.cloud_account_id}::uuid and import_id = ${progress.import_id}::uuid`.execute(trx);
  await outbox.publish(trx, 'cost_import.refused', {
    tenant: progress.organization_id,
    data: { import_id: progress.import_id, cloud_account_id: progress.cloud_account_id, reason: outcome.reason, refused_at: outcome.now.toISOString() },
  });
  return true;
}

/** The UTC days a period touches: from its first day to the day after its last instant. */
export function dayRangeOf(period: { start: Date; end: Date }): DayRange {
  return { from: utcDay(period.start), to: addDays(utcDay(new Date(period.end.getTime() - 1)), 1) };
}

/**
 * The import replaces its days' word on estimates as it replaces their lines: a day is estimated
 * while the last import of it holds a line the provider called estimated, so the pull that brings
 * the final amounts takes the day off, and one that brings estimates again keeps it on.
 */
async function recordEstimatedDays(trx: Transaction<Database>, progress: CompleteImport, days: DayRange): Promise<void> {
  const account = progress.cloud_account_id;
  await sql`
    delete from cost_estimated_days
     where cloud_account_id = ${account}::uuid and day >= ${days.from}::date and day < ${days.to}::date
  `.execute(trx);
  await sql`
    insert into cost_estimated_days (organization_id, cloud_account_id, day, import_id)
    select distinct ${progress.organization_id}::uuid, ${account}::uuid, (c."timestamp" at time zone 'UTC')::date, ${progress.import_id}::uuid
      from cost_data c
     where c.cloud_account_id = ${account}::uuid and c.import_id = ${progress.import_id}::uuid
       and c."timestamp" >= ${progress.period_start}::timestamptz and c."timestamp" < ${progress.period_end}::timestamptz
       and c.dimensions ? 'estimated'
  `.execute(trx);
}

/**
 * costs_breakdown (seed 000's monthly spend per provider/account/service) of the months the import
 * touched, from the month rollups. Its key has no currency: an account bills in one currency, and
 * should lines of another appear, the month's main currency (most lines) is the one shown.
 */
async function refreshCostsBreakdown(trx: Transaction<Database>, account: string, days: DayRange): Promise<void> {
  const months = sql`period_start >= date_trunc('month', ${days.from}::date)::date and period_start < ${days.to}::date`;
  await sql`
    delete from costs_breakdown b
     using cloud_accounts a
     where a.id = ${account}::uuid and b.provider = a.provider and b.account_id = a.account_id
       and b.month >= date_trunc('month', ${days.from}::date)::date and b.month < ${days.to}::date
  `.execute(trx);
  await sql`
    with monthly as (
      select period_start as month, service, currency, sum(amount) as amount, sum(lines) as lines
        from cost_rollups
       where cloud_account_id = ${account}::uuid and granularity = 'month' and ${months}
       group by 1, 2, 3
    ), main_currency as (
      select distinct on (month) month, currency from monthly group by month, currency order by month, sum(lines) desc
    )
    insert into costs_breakdown (organization_id, provider, account_id, account_name, service, month, amount, currency)
    select a.organization_id, a.provider, a.account_id, a.name, m.service, m.month, m.amount, m.currency
      from monthly m
      join main_currency using (month, currency)
      cross join cloud_accounts a
     where a.id = ${account}::uuid
  `.execute(trx);
}

/**
 * Each resource's cost_monthly is what its lines of the last 30 days add up to and cost_daily a
 * thirtieth of it (the seed's daily = monthly / 30); resources with no recent line go to zero.
 */
async function refreshResourceCosts(trx: Transaction<Database>, account: string, from: Date, now: Date): Promise<void> {
  const recentLines = whereLines({ cloud_account_id: account, period: { start: from, end: now }, lines: { kind: 'counted' } });
  // The import's lines are not analyzed yet: the planner, told there are a handful, joined each
  // resource to the whole aggregate in turn (a million lines: 36 s, 16 GB of temporary reads, for
  // 250 resources). Hash joins are right at any size here.
  await withoutPlanMethods(trx, ['enable_nestloop'], () => sql`
    with recent as (
      select c.provider_resource_id, round(sum(c.amount), 6) as monthly
        from cost_data c
       where ${recentLines} and c.provider_resource_id is not null
       group by 1
    ), costs as (
      select r.id, coalesce(recent.monthly, 0) as monthly
        from resources r
        left join recent on recent.provider_resource_id = r.provider_resource_id
       where r.cloud_account_id = ${account}::uuid
    )
    update resources r
       set cost_monthly = costs.monthly, cost_daily = round(costs.monthly / 30, 6)
      from costs
     where r.id = costs.id and (r.cost_monthly <> costs.monthly or r.cost_daily <> round(costs.monthly / 30, 6))
  `.execute(trx));
}
