import { sql, type Transaction } from 'kysely';
import type { Database } from '@stratus/db';
import type { EventData } from '@stratus/events';
import { addDays, type DayRange } from '../../calendar.ts';

export interface DayTotal {
  day: string;
  currency: string;
  total: string;
  by_service: Record<string, string>;
}

/** An account's daily totals per currency over a range and the day before it (for previous_total). */
export async function dailyTotals(trx: Transaction<Database>, account: string, days: DayRange): Promise<DayTotal[]> {
  const { rows } = await sql<DayTotal>`
    with per_service as (
      select period_start, currency, service, sum(amount) as amount
        from cost_rollups
       where cloud_account_id = ${account}::uuid and granularity = 'day'
         and period_start >= ${days.from}::date - 1 and period_start < ${days.to}::date
       group by 1, 2, 3
    )
    select to_char(period_start, 'YYYY-MM-DD') as day, currency, stratus_amount_text(sum(amount)) as total,
           jsonb_object_agg(service, stratus_amount_text(amount)) as by_service
      from per_service
     group by period_start, currency
     order by period_start, currency
  `.execute(trx);
  return rows;
}

type Aggregated = Omit<EventData<'cost.aggregated'>, 'cloud_account_id'>;

/**
 * The days of the range whose total or per-service split differs between two readings (the day
 * before the range is read only for previous_total). A day that lost all its lines reports 0.
 */
export function changedDays(before: readonly DayTotal[], after: readonly DayTotal[], days: DayRange): Aggregated[] {
  const key = (day: string, currency: string) => `${day}|${currency}`;
  const beforeByKey = new Map(before.map((total) => [key(total.day, total.currency), total]));
  const afterByKey = new Map(after.map((total) => [key(total.day, total.currency), total]));
  const inRange = (total: DayTotal) => total.day >= days.from && total.day < days.to;
  const event = (total: DayTotal): Aggregated => {
    const previous = afterByKey.get(key(addDays(total.day, -1), total.currency))?.total;
    return { day: total.day, currency: total.currency, total: total.total, by_service: total.by_service, ...(previous ? { previous_total: previous } : {}) };
  };
  const changed: Aggregated[] = [];
  for (const total of after.filter(inRange)) {
    const old = beforeByKey.get(key(total.day, total.currency));
    if (!old || old.total !== total.total || !sameSplit(old.by_service, total.by_service)) changed.push(event(total));
  }
  for (const old of before.filter(inRange)) {
    if (!afterByKey.has(key(old.day, old.currency))) changed.push(event({ ...old, total: '0', by_service: {} }));
  }
  return changed.sort((a, b) => a.day.localeCompare(b.day) || a.currency.localeCompare(b.currency));
}

function sameSplit(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((service) => a[service] === b[service]);
}
