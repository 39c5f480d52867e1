import { estimate, fromUnits, toUnits } from '@stratus/db';
import { addMonths, daysBetween, monthOf, utcDay, type DayRange } from './cost-plan.ts';

/**
 * The month-end forecast, without I/O: a linear run-rate over the elapsed days of the month.
 *
 *   days_elapsed = days from the 1st through the last complete day (before today, UTC) with spend
 *   run_rate     = spend_to_date / days_elapsed
 *   forecast     = spend_to_date + run_rate × (days in month − days_elapsed)
 *
 * Today is left out while its lines are still arriving, and so are the days after the last one with
 * any line (providers bill hours to days late): spend not billed yet is extrapolated, not counted as
 * zero. Amounts are decimal strings with 6 decimals, computed exactly in millionths.
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
  const daysInMonth = daysBetween(month.from, month.to);
  const counted = days.filter((row) => row.period >= month.from && row.period < today);
  const through = counted.reduce<string | null>((last, row) => (last === null || row.period > last ? row.period : last), null);
  const elapsed = through === null ? 0 : daysBetween(month.from, through) + 1;

  const toDate = sumByCurrency(counted);
  const before = sumByCurrency(previous);
  const currencies = [...new Set([...toDate.keys(), ...before.keys()])].sort();
  return {
    month: month.from,
    days_in_month: daysInMonth,
    days_elapsed: elapsed,
    through,
    items: currencies.map((currency) => {
      const spend = toDate.get(currency) ?? 0n;
      return {
        currency,
        spend_to_date: fromUnits(spend),
        daily_run_rate: elapsed > 0 ? fromUnits(estimate(spend, BigInt(elapsed))) : null,
        forecast: elapsed > 0 ? fromUnits(spend + estimate(spend * BigInt(daysInMonth - elapsed), BigInt(elapsed))) : null,
        previous_month_total: fromUnits(before.get(currency) ?? 0n),
      };
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
