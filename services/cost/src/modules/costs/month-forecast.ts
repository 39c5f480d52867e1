import { fromUnits, toUnits } from '@stratus/db';
import { elapsedDays, extrapolate } from '../../period-forecast.ts';
import { addDays, addMonths, monthOf, utcDay, type DayRange } from './cost-plan.ts';

/**
 * The month-end forecast of the current UTC month, per currency, by the one forecast rule of
 * period-forecast.ts (which a budget's forecast threshold uses too). The days elapsed are shared by
 * the currencies: a day counts once any of its lines has arrived.
 */

/** One day's (or the previous month's) spend in one currency, as the cost queries return it. */
export interface SpendRow {
  period: string;
  currency: string;
  amount: string;
}

export interface CurrencyForecast {
  currency: string;
  spend_to_date: string;
  daily_run_rate: string | null;
  forecast: string | null;
  previous_month_total: string;
}

export interface MonthForecast {
  month: string;
  days_in_month: number;
  days_elapsed: number;
  /** The last day counted in spend_to_date; null before any complete day has spend. */
  through: string | null;
  items: CurrencyForecast[];
}

function sumByCurrency(rows: readonly SpendRow[]): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const row of rows) sums.set(row.currency, (sums.get(row.currency) ?? 0n) + toUnits(row.amount));
  return sums;
}

/**
 * `days`: the month's daily spend per currency on days before today; `previous`: the previous
 * month's total per currency. One item per currency found in either, by currency.
 */

export function monthForecast(now: Date, days: readonly SpendRow[], previous: readonly SpendRow[]): MonthForecast {
  const today = utcDay(now);
  const month = monthOf(today);
  const counted = days.filter((row) => row.period >= month.from && row.period < today);
  const lastBilledDay = counted.reduce<string | null>((last, row) => (last === null || row.period > last ? row.period : last), null);
  const elapsed = elapsedDays({ start: month.from, end: addDays(month.to, -1) }, today, lastBilledDay);

  const toDate = sumByCurrency(counted);
  const before = sumByCurrency(previous);
  const currencies = [...new Set([...toDate.keys(), ...before.keys()])].sort();
  return {
    month: month.from,
    days_in_month: elapsed.days_in_period,
    days_elapsed: elapsed.days_elapsed,
    through: elapsed.through,
    items: currencies.map((currency) => {
      const spend = fromUnits(toDate.get(currency) ?? 0n);
      return { currency, spend_to_date: spend, ...extrapolate(spend, elapsed), previous_month_total: fromUnits(before.get(currency) ?? 0n) };
    }),
  };
}

/** What the forecast reads: the month's complete days so far (none on the 1st), and the previous month. */
export function forecastRanges(now: Date): { days: DayRange | null; previous: DayRange } {
  const today = utcDay(now);
  const month = monthOf(today);
  return {
    days: today > month.from ? { from: month.from, to: today } : null,
    previous: { from: addMonths(month.from, -1), to: month.from },
  };
}
