/**
 * Realized savings: what a succeeded recommendation's action saved, measured from the cost lines
 * imported around it rather than estimated. The baseline is the resource's mean daily effective
 * cost over the days before the action that its account has imported; each imported day after the
 * action saves the baseline minus what the resource cost that day (nothing, once it is deleted).
 * The day of the action belongs to neither side: it is part before, part after.
 *
 * "Imported" is judged per account (the account has cost lines that day), so a day the resource
 * cost nothing counts as a saving only when the account's costs for that day are in.
 */
import { sql, type Kysely } from 'kysely';
import { withTenant, type Database, type RealizedSavingsStatus } from '@stratus/db';
import { DAYS_PER_MONTH } from '../recommendations/evaluation.service.ts';
import type { RecommendationRow } from '../recommendations/recommendation-events.ts';
import type { Trx } from '../recommendations/recommendations.repository.ts';

/** Days before the action whose mean cost is the baseline (Compute Optimizer looks back 14 days by default). */
export const BASELINE_DAYS = 14;
/** Days after the action that are measured; later days are the resource's new normal, not this action's doing. */
export const MEASURED_DAYS = 90;
/** Measured days needed before the realized figure is `measured` rather than `measuring`. */
export const MIN_MEASURED_DAYS = 7;
/** Imports may restate a period for about a month after it (invoices close): keep re-measuring that long. */
const RESTATEMENT_DAYS = 35;

const DAY_MS = 86_400_000;

const dayOf = (time: Date): string => time.toISOString().slice(0, 10);
const addDays = (day: string, days: number): string => dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));

/** Starts measuring a recommendation whose action succeeded (in the transaction of its success). */
export async function startMeasuring(trx: Trx, recommendation: RecommendationRow, actedAt: Date): Promise<void> {
  if (recommendation.resource_id === null || recommendation.cloud_account_id === null) return;
  await trx
    .insertInto('realized_savings')
    .values({
      recommendation_id: recommendation.id,
      organization_id: recommendation.organization_id,
      cloud_account_id: recommendation.cloud_account_id,
      resource_id: recommendation.resource_id,
      acted_at: actedAt,
      currency: recommendation.currency,
    })
    .onConflict((oc) => oc.column('recommendation_id').doNothing())
    .execute();
}

interface DayCost {
  day: string;
  currency: string | null;
  cost: string | null;
}

export interface Measurement {
  status: RealizedSavingsStatus;
  currency: string | null;
  baseline: { start: string; end: string; days: number; daily: number | null };
  after: { days: { day: string; cost: number; savings: number }[]; daily: number | null };
  realized_monthly: number | null;
}

/**
 * The measurement from the account's imported days (each with the resource's cost that day per
 * currency, or none). Pure, so its rules are tested without a database.
 */
export function measure(actedAt: Date, preferredCurrency: string | null, days: readonly DayCost[], today: string): Measurement {
  const actedDay = dayOf(actedAt);
  const baselineStart = addDays(actedDay, -BASELINE_DAYS);
  const baselineEnd = addDays(actedDay, -1);
  const lastAfter = [addDays(actedDay, MEASURED_DAYS), addDays(today, -1)].sort()[0]!;
  const totals = new Map<string, number>();
  for (const row of days) if (row.currency !== null) totals.set(row.currency, (totals.get(row.currency) ?? 0) + Number(row.cost));
  // The resource is measured in one currency: the recommendation's, or the one it spent most in.
  const currency = preferredCurrency !== null && totals.has(preferredCurrency) ? preferredCurrency : ([...totals].sort((a, b) => b[1] - a[1])[0]?.[0] ?? preferredCurrency);
  const byDay = new Map<string, number>();
  for (const row of days) {
    if (!byDay.has(row.day)) byDay.set(row.day, 0);
    if (row.currency === currency) byDay.set(row.day, byDay.get(row.day)! + Number(row.cost));
  }
  const before = [...byDay].filter(([day]) => day >= baselineStart && day <= baselineEnd);
  const baselineDaily = before.length === 0 ? null : before.reduce((sum, [, cost]) => sum + cost, 0) / before.length;
  const baseline = { start: baselineStart, end: baselineEnd, days: before.length, daily: baselineDaily };
  if (baselineDaily === null || currency === null) return { status: 'no_baseline', currency, baseline, after: { days: [], daily: null }, realized_monthly: null };
  const after = [...byDay]
    .filter(([day]) => day > actedDay && day <= lastAfter)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, cost]) => ({ day, cost, savings: baselineDaily - cost }));
  const afterDaily = after.length === 0 ? null : after.reduce((sum, day) => sum + day.cost, 0) / after.length;
  return {
    status: after.length >= MIN_MEASURED_DAYS ? 'measured' : 'measuring',
    currency,
    baseline,
    after: { days: after, daily: afterDaily },
    realized_monthly: afterDaily === null ? null : (baselineDaily - afterDaily) * DAYS_PER_MONTH,
  };
}

async function dayCosts(trx: Trx, row: { cloud_account_id: string; resource_id: string }, from: string, to: string): Promise<DayCost[]> {
  const { rows } = await sql<DayCost>`
    with imported as (
      select distinct period_start::date as day
        from cost_rollups
       where granularity = 'day' and cloud_account_id = ${row.cloud_account_id} and period_start between ${from}::date and ${to}::date
    ), spent as (
      select ("timestamp" at time zone 'UTC')::date as day, currency,
             sum(coalesce((dimensions ->> 'effective_cost')::numeric, amount)) as cost
        from cost_data
       where resource_id = ${row.resource_id}
         and "timestamp" >= ${from}::date and "timestamp" < ${to}::date + 1
       group by 1, 2
    )
    select imported.day::text as day, spent.currency, spent.cost::text as cost
      from imported left join spent on spent.day = imported.day
     order by imported.day
  `.execute(trx);
  return rows;
}

/**
 * Measures (again) every recent action of an account, or of the organisation: after each cost
 * import, and daily. Idempotent: a measurement replaces the previous one, so restated imports
 * correct it.
 */
export async function measureRealizedSavings(db: Kysely<Database>, organizationId: string, cloudAccountId: string | undefined, now: Date): Promise<{ measured: number }> {
  return withTenant(db, organizationId, async (trx) => {
    const rows = await trx
      .selectFrom('realized_savings')
      .select(['recommendation_id', 'organization_id', 'cloud_account_id', 'resource_id', 'acted_at', 'currency'])
      .$if(cloudAccountId !== undefined, (q) => q.where('cloud_account_id', '=', cloudAccountId!))
      .where('acted_at', '>=', new Date(now.getTime() - (MEASURED_DAYS + RESTATEMENT_DAYS) * DAY_MS))
      .execute();
    const today = dayOf(now);
    for (const row of rows) {
      const acted = dayOf(row.acted_at);
      const measurement = measure(row.acted_at, row.currency, await dayCosts(trx, row, addDays(acted, -BASELINE_DAYS), addDays(acted, MEASURED_DAYS)), today);
      await trx
        .updateTable('realized_savings')
        .set({
          status: measurement.status,
          currency: measurement.currency,
          baseline_start: measurement.baseline.start,
          baseline_end: measurement.baseline.end,
          baseline_days: measurement.baseline.days,
          baseline_daily: measurement.baseline.daily,
          after_days: measurement.after.days.length,
          after_daily: measurement.after.daily,
          realized_savings: measurement.realized_monthly === null ? null : measurement.realized_monthly.toFixed(2),
          measured_through: measurement.after.days.at(-1)?.day ?? null,
        })
        .where('recommendation_id', '=', row.recommendation_id)
        .execute();
      await trx.deleteFrom('realized_savings_days').where('recommendation_id', '=', row.recommendation_id).execute();
      if (measurement.after.days.length > 0) {
        await trx
          .insertInto('realized_savings_days')
          .values(
            measurement.after.days.map((day) => ({
              recommendation_id: row.recommendation_id,
              day: day.day,
              organization_id: row.organization_id,
              cloud_account_id: row.cloud_account_id,
              currency: measurement.currency!,
              cost: day.cost.toFixed(6),
              savings: day.savings.toFixed(6),
            })),
          )
          .execute();
      }
    }
    return { measured: rows.length };
  });
}
