import type { BudgetPeriod } from '@stratus/db';

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
const DAY_MS = 86_400_000;

function toDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function dayMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** Today's UTC day, the day budgets are evaluated for unless told otherwise. */
export function utcToday(now: Date = new Date()): string {
  return toDay(now.getTime());
}

export function addDays(day: string, days: number): string {
  return toDay(dayMs(day) + days * DAY_MS);
}

/** The calendar month, quarter (Jan, Apr, Jul, Oct) or year containing a day. */
export function calendarPeriod(period: BudgetPeriod, day: string): PeriodRange {
  const date = new Date(dayMs(day));
  const months = MONTHS_PER_PERIOD[period];
  const firstMonth = date.getUTCMonth() - (date.getUTCMonth() % months);
  return {
    start: toDay(Date.UTC(date.getUTCFullYear(), firstMonth, 1)),
    // Day 0 of the month after the period is the period's last day.
    end: toDay(Date.UTC(date.getUTCFullYear(), firstMonth + months, 0)),
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

// Amounts are numeric(20, 6): scaled to integers of millionths they compare and divide exactly.
const SCALE = 6;
const UNIT = 10n ** BigInt(SCALE);
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function toMillionths(value: string): bigint {
  const match = DECIMAL.exec(value);
  if (!match) throw new TypeError(`not a decimal number: ${JSON.stringify(value)}`);
  const [, sign, whole, fraction = ''] = match;
  // Digits past the sixth decimal are dropped: numeric(20, 6) never has them.
  const scaled = BigInt(whole!) * UNIT + BigInt(fraction.slice(0, SCALE).padEnd(SCALE, '0'));
  return sign === '-' ? -scaled : scaled;
}

function fromMillionths(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const magnitude = value < 0n ? -value : value;
  return `${sign}${magnitude / UNIT}.${(magnitude % UNIT).toString().padStart(SCALE, '0')}`;
}

/** numerator / denominator rounded half away from zero (denominator > 0). */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const half = numerator < 0n ? -denominator / 2n : denominator / 2n;
  return (numerator + half) / denominator;
}

/**
 * Spend forecast to the end of a period, by linear extrapolation of the average daily spend so far:
 *
 *   forecast = spend + (spend / elapsed days) × remaining days
 *
 * where elapsed days run from the period's first day up to and including `today`, and remaining
 * days are those after today up to the period's last day. Today counts as elapsed although its
 * costs are still arriving (providers bill hours to days late), so early in a period the forecast
 * leans low rather than raising alarms on one expensive first morning. A period that has not begun
 * or is over has nothing to extrapolate: its forecast is its spend. Exact to 6 decimals.
 */
export function forecastSpend(spend: string, period: PeriodRange, today: string): string {
  if (today < period.start || today >= period.end) return fromMillionths(toMillionths(spend));
  const elapsed = BigInt(Math.round((dayMs(today) - dayMs(period.start)) / DAY_MS) + 1);
  const total = BigInt(Math.round((dayMs(period.end) - dayMs(period.start)) / DAY_MS) + 1);
  return fromMillionths(divideRounded(toMillionths(spend) * total, elapsed));
}

/**
 * `part` as a percentage of `whole`, truncated (not rounded) to 2 decimals, so a budget at 79.999%
 * never reads 80.00 while its 80% alert has not fired. Null when whole is 0: no percentage of nothing.
 */
export function percentOf(part: string, whole: string): number | null {
  const denominator = toMillionths(whole);
  if (denominator === 0n) return null;
  return Number((toMillionths(part) * 10_000n) / denominator) / 100;
}
