import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '@stratus/db';
import type { BilledSpend } from '../../period-forecast.ts';
import type { PeriodRange } from './budget-periods.ts';
import type { BudgetFilters } from './budgets.schemas.ts';

/** What decides a budget's spend: its organisation, currency and filters. */
export interface SpendScope {
  organization_id: string;
  currency: string;
  filters: BudgetFilters;
}

/** A budget period's spend, and what its forecast extrapolates: the spend billed before today. */
export interface PeriodSpend {
  spend: string;
  billed: BilledSpend;
}

/**
 * The spend counted against a budget over one period, as one query: the daily rollups of the
 * budget's currency over the period's days with its filters applied; beside it the spend of the days
 * before today and the last of them with a line in any currency, as the forecast rule counts them
 * (period-forecast.ts). A tag filter reads the tag
 * rollups instead, which keep spend per tag, account, provider and service but not per region (the
 * schemas refuse tags with regions, and more than one tag, for that reason). Spend billed in other
 * currencies does not count: nothing here converts currencies.
 */
export function spendQuery(budget: SpendScope, period: PeriodRange, today: string): RawBuilder<SpendRow> {
  const { filters } = budget;
  const tag = filters.tags ? Object.entries(filters.tags)[0] : undefined;
  const conditions: RawBuilder<unknown>[] = [
    sql`organization_id = ${budget.organization_id}::uuid`,
    sql`granularity = 'day'`,
    sql`period_start >= ${period.start}::date`,
    sql`period_start <= ${period.end}::date`,
  ];
  if (tag) conditions.push(sql`tag_key = ${tag[0]}`, sql`tag_value = ${tag[1]}`);
  if (filters.providers) conditions.push(sql`provider = any(${filters.providers}::cloud_provider[])`);
  if (filters.cloud_account_ids) conditions.push(sql`cloud_account_id = any(${filters.cloud_account_ids}::uuid[])`);
  if (filters.services) conditions.push(sql`service = any(${filters.services}::text[])`);
  if (filters.regions) conditions.push(sql`region = any(${filters.regions}::text[])`);
  const currency = sql`currency = ${budget.currency}`;
  const beforeToday = sql`period_start < ${today}::date`;
  return sql<SpendRow>`
    select coalesce(stratus_amount_text(sum(amount) filter (where ${currency})), '0') as spend,
           coalesce(stratus_amount_text(sum(amount) filter (where ${currency} and ${beforeToday})), '0') as billed,
           (max(period_start) filter (where ${beforeToday}))::text as through
      from ${sql.table(tag ? 'cost_tag_rollups' : 'cost_rollups')}
     where ${sql.join(conditions, sql` and `)}
  `;
}

type SpendRow = { spend: string; billed: string; through: string | null };

export async function spendIn(trx: Transaction<Database>, budget: SpendScope, period: PeriodRange, today: string): Promise<PeriodSpend> {
  const { rows } = await spendQuery(budget, period, today).execute(trx);
  const { spend, billed, through } = rows[0]!;
  return { spend, billed: { spend: billed, through } };
}
