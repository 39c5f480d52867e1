import { estimate, fromUnits, toUnits } from '@stratus/db';
import { daysBetween } from './calendar.ts';

/**
 * The one forecast rule of the cost service: the month-end forecast of GET /v1/costs/forecast and
 * the period-end forecast a budget's `forecast` threshold is judged on both come from here, so the
 * two cannot disagree about the same spend.
 *
 *   counted      = the period's days before today (UTC), through the last of them with a cost line
 *   days_elapsed = days from the period's first day through that last day
 *   run_rate     = spend of the counted days / days_elapsed
 *   forecast     = spend of the counted days + run_rate × (days in the period − days_elapsed)
 *
 * Today is left out while its lines are still arriving, and so are the days after the last one with
 * any line (providers bill hours to days late): spend not billed yet is extrapolated, not counted as
 * zero. Before any counted day there is nothing to extrapolate, so no forecast; a period that is
 * over has all its days elapsed. Amounts are decimal strings computed exactly in 10^-24 units
 * (@stratus/db amounts); the spend keeps every decimal, the estimated part is rounded to millionths
 * (half away from zero).
 */

/** A period of days, both inclusive, 'YYYY-MM-DD'. */
export interface ForecastPeriod {
  start: string;
  end: string;
}

export interface Elapsed {
  days_in_period: number;
  days_elapsed: number;
  /** The last day counted; null before any complete day has a cost line. */
  through: string | null;
}

/** The spend of a period's counted days: those before today, and the last of them with a cost line. */
export interface BilledSpend {
  spend: string;
  through: string | null;
}

export function elapsedDays(period: ForecastPeriod, today: string, lastBilledDay: string | null): Elapsed {
  const daysInPeriod = daysBetween(period.start, period.end) + 1;
  if (today > period.end) return { days_in_period: daysInPeriod, days_elapsed: daysInPeriod, through: period.end };
  const through = lastBilledDay !== null && lastBilledDay >= period.start && lastBilledDay < today ? lastBilledDay : null;
  return { days_in_period: daysInPeriod, days_elapsed: through === null ? 0 : daysBetween(period.start, through) + 1, through };
}

/** The run-rate and forecast of the counted days' spend; both null when no day has elapsed. */
export function extrapolate(spend: string, elapsed: Elapsed): { daily_run_rate: string | null; forecast: string | null } {
  if (elapsed.days_elapsed === 0) return { daily_run_rate: null, forecast: null };
  const units = toUnits(spend);
  const days = BigInt(elapsed.days_elapsed);
  return {
    daily_run_rate: fromUnits(estimate(units, days)),
    forecast: fromUnits(units + estimate(units * BigInt(elapsed.days_in_period - elapsed.days_elapsed), days)),
  };
}

/** The forecast to the period's end of its billed spend; null before any counted day. */
export function forecastToPeriodEnd(period: ForecastPeriod, today: string, billed: BilledSpend): string | null {
  return extrapolate(billed.spend, elapsedDays(period, today, billed.through)).forecast;
}
