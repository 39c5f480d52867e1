/** UTC calendar days, written 'YYYY-MM-DD' (they compare correctly as strings). */

/** A half-open range of days [from, to). */
export interface DayRange {
  from: string;
  to: string;
}

export const DAY_MS = 86_400_000;
export const dayOfMs = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const msOfDay = (day: string): number => Date.parse(`${day}T00:00:00Z`);

export function utcDay(now: Date): string {
  return dayOfMs(now.getTime());
}

export function addDays(day: string, days: number): string {
  return dayOfMs(msOfDay(day) + days * DAY_MS);
}

/** The same day of the month `months` later, rolling over as Date.UTC does (Jan 31 + 1 → Mar 3). */
export function addMonths(day: string, months: number): string {
  const date = new Date(msOfDay(day));
  return dayOfMs(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, date.getUTCDate()));
}

/** Whole days from `from` to `to`. */
export function daysBetween(from: string, to: string): number {
  return Math.round((msOfDay(to) - msOfDay(from)) / DAY_MS);
}
