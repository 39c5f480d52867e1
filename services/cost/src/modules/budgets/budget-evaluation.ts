import { sql, type Transaction } from 'kysely';
import type { Database } from '@stratus/db';
import type { Outbox, PublishManyItem } from '@stratus/events';
import { utcDay } from '../../calendar.ts';
import { forecastToPeriodEnd } from '../../period-forecast.ts';
import { periodsOverlapping, type PeriodRange } from './budget-periods.ts';
import { spendIn } from './budget-spend.repository.ts';
import type { BudgetFilters } from './budgets.schemas.ts';

export interface EvaluationScope {
  organizationId: string;
  /** The days whose spend just changed, 'YYYY-MM-DD', half-open [from, to). */
  from: string;
  to: string;
}

export interface EvaluationOptions {
  /** The current day, whose period alone has a forecast; today (UTC) by default. */
  today?: string;
  /** Only these budgets (after one was created or changed); every budget of the organisation by default. */
  budgetIds?: readonly string[];
}

type Trx = Transaction<Database>;
type EvaluatedBudget = Awaited<ReturnType<typeof lockBudgetsToEvaluate>>[number];

/**
 * Re-judges the alerts of the budgets whose periods overlap the days [from, to) and publishes
 * budget.threshold_crossed for each threshold newly reached; returns how many were published.
 * Runs in the caller's transaction, with the tenant set, after the spend of those days changed.
 *
 * For each such budget period: one query for its spend (and, for the current period only, the
 * forecast), then one statement recording a firing for every alert of the budget whose threshold is
 * reached, `on conflict do nothing`. The primary key (budget_alert_id, period_start) of
 * budget_alert_firings makes the event go out at most once per threshold and period: only the
 * evaluation whose insert wrote the row publishes, in the same transaction, through the outbox. A
 * concurrent evaluation blocks on that row and then finds it taken.
 *
 * The budgets are locked (in id order, so evaluations cannot deadlock) until the caller commits:
 * without it, two imports committing side by side would each read the spend without the other's
 * days, and a threshold their sum crosses would never be noticed.
 */
export async function evaluateBudgets(trx: Trx, outbox: Outbox, scope: EvaluationScope, options: EvaluationOptions = {}): Promise<number> {
  const today = options.today ?? utcDay(new Date());
  const budgets = await lockBudgetsToEvaluate(trx, scope, options.budgetIds);
  let published = 0;
  for (const budget of budgets) {
    for (const period of periodsOverlapping(budget, scope.from, scope.to)) {
      published += await evaluatePeriod(trx, outbox, budget, period, today);
    }
  }
  return published;
}

/** The budgets with at least one alert that apply on some day of [from, to). */
function lockBudgetsToEvaluate(trx: Trx, scope: EvaluationScope, budgetIds: readonly string[] | undefined) {
  return trx
    .selectFrom('budgets as b')
    .select(['b.id', 'b.organization_id', 'b.name', 'b.amount', 'b.currency', 'b.period', 'b.start_date', 'b.end_date', 'b.filters'])
    .where('b.organization_id', '=', scope.organizationId)
    .where('b.start_date', '<', scope.to)
    .where((eb) => eb.or([eb('b.end_date', 'is', null), eb('b.end_date', '>=', scope.from)]))
    .where((eb) => eb.exists(eb.selectFrom('budget_alerts as a').select('a.id').whereRef('a.budget_id', '=', 'b.id')))
    .$if(budgetIds !== undefined, (q) => (budgetIds!.length > 0 ? q.where('b.id', 'in', budgetIds!) : q.where(sql<boolean>`false`)))
    .orderBy('b.id')
    .forNoKeyUpdate()
    .execute();
}

async function evaluatePeriod(trx: Trx, outbox: Outbox, budget: EvaluatedBudget, period: PeriodRange, today: string): Promise<number> {
  const filters = budget.filters as BudgetFilters;
  const { spend, billed } = await spendIn(trx, { ...budget, filters }, period, today);
  const isCurrent = period.start <= today && today <= period.end;
  const forecast = isCurrent ? (forecastToPeriodEnd(period, today, billed) ?? undefined) : undefined;
  const crossed = await recordCrossings(trx, budget, period, spend, forecast);
  if (crossed.length === 0) return 0;
  const events: PublishManyItem[] = crossed.map((alert) => ({
    type: 'budget.threshold_crossed',
    tenant: budget.organization_id,
    data: {
      budget_id: budget.id,
      budget_name: budget.name,
      budget_alert_id: alert.id,
      // numeric(5, 2) reads "80.00"; the event says "80".
      threshold: String(Number(alert.threshold)),
      threshold_type: alert.threshold_type,
      period_start: period.start,
      period_end: period.end,
      spend,
      ...(forecast !== undefined ? { forecast } : {}),
      budget_amount: budget.amount,
      currency: budget.currency,
    },
  }));
  await outbox.publishMany(trx, events);
  return events.length;
}

/**
 * Records a firing for each alert of the budget whose threshold the period's spend (or forecast)
 * reaches and that has not fired in this period, and returns those alerts. Compared in numeric, so
 * 80.00% of 1234.56 is reached at exactly 987.648. Nothing is reached without spend: a budget of 0
 * alerts on the first cost, not on none.
 */
function recordCrossings(trx: Trx, budget: EvaluatedBudget, period: PeriodRange, spend: string, forecast: string | undefined) {
  const measured = sql<string | null>`case a.threshold_type when 'actual' then ${spend}::numeric when 'forecast' then ${forecast ?? null}::numeric end`;
  return trx
    .with('fired', (db) =>
      db
        .insertInto('budget_alert_firings')
        .columns(['budget_alert_id', 'period_start', 'organization_id', 'budget_id', 'period_end', 'spend'])
        .expression(
          db
            .selectFrom('budget_alerts as a')
            .select([
              'a.id',
              sql<string>`${period.start}::date`.as('period_start'),
              'a.organization_id',
              'a.budget_id',
              sql<string>`${period.end}::date`.as('period_end'),
              sql<string>`${spend}::numeric`.as('spend'),
            ])
            .where('a.budget_id', '=', budget.id)
            .where(sql<boolean>`${measured} > 0 and ${measured} * 100 >= a.threshold * ${budget.amount}::numeric`),
        )
        .onConflict((conflict) => conflict.columns(['budget_alert_id', 'period_start']).doNothing())
        .returning('budget_alert_id'),
    )
    .selectFrom('fired')
    .innerJoin('budget_alerts as a', 'a.id', 'fired.budget_alert_id')
    .select(['a.id', 'a.threshold', 'a.threshold_type'])
    .orderBy('a.threshold_type')
    .orderBy('a.threshold')
    .execute();
}
