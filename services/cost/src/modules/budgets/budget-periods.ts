import { toUnits, type BudgetPeriod } from '@stratus/db';
import { addDays, dayOfMs, msOfDay } from '../../calendar.ts';

/**
 * Budget periods and the arithmetic on them, without I/O. Days are UTC calendar days written
 * 'YYYY-MM-DD' (they compare correctly as strings); amounts are decimal strings, computed exactly.
 */

/** When a budget applies: its period kind and the days it starts and (optionally) ends, inclusive. */
export interface BudgetSchedule {
  period: BudgetPeriod;
  start_date: string;
  end_date: string | null;
}

/** One budget period: its first and last day, both inclusive. */
export interface PeriodRange {
  start: string;
  end: string;
}

const MONTHS_PER_PERIOD: Record<BudgetPeriod, number> = { monthly: 1, quarterly: 3, yearly: 12 };

/** The calendar month, quarter (Jan, Apr, Jul, Oct) or year containing a day. */
export function calendarPeriod(period: BudgetPeriod, day: string): PeriodRange {
  const date = new Date(msOfDay(day));
  const months = MONTHS_PER_PERIOD[period];
  const firstMonth = date.getUTCMonth() - (date.getUTCMonth() % months);
  return {
    start: dayOfMs(Date.UTC(date.getUTCFullYear(), firstMonth, 1)),
    // Day 0 of the month after the period is the period's last day.
    end: dayOfMs(Date.UTC(date.getUTCFullYear(), firstMonth + months, 0)),
  };
}

/**
 * The budget period containing a day: the calendar period, clipped to the budget's start and end
 * dates, so a budget starting mid-month has a short first month. Undefined outside those dates.
 */
export function periodContaining(schedule: BudgetSchedule, day: string): PeriodRange | undefined {
  if (day < schedule.start_date || (schedule.end_date !== null && day > schedule.end_date)) return undefined;
  const { start, end } = calendarPeriod(schedule.period, day);
  return {
    start: start < schedule.start_date ? schedule.start_date : start,
    end: schedule.end_date !== null && schedule.end_date < end ? schedule.end_date : end,
  };
}

/** The budget periods that share at least one day with the half-open day range [from, to), in order. */
export function periodsOverlapping(schedule: BudgetSchedule, from: string, to: string): PeriodRange[] {
  const periods: PeriodRange[] = [];
  let day = from > schedule.start_date ? from : schedule.start_date;
  while (day < to) {
    const period = periodContaining(schedule, day);
    if (!period) break;
    periods.push(period);
    day = addDays(period.end, 1);
  }
  return periods;
}

/**
 * `part` as a percentage of `whole`, truncated (not rounded) to 2 decimals, so a budget at 79.999%
 * never reads 80.00 while its 80% alert has not fired. Null when whole is 0: no percentage of nothing.
 */
export function percentOf(part: string, whole: string): number | null {
  const denominator = toUnits(whole);
  if (denominator === 0n) return null;
  return Number((toUnits(part) * 10_000n) / denominator) / 100;
}
