import { describe, expect, it } from 'vitest';
import { DAYS_PER_MONTH } from '../recommendations/evaluation.service.ts';
import { BASELINE_DAYS, MEASURED_DAYS, measure } from './realized-savings.service.ts';

const acted = new Date('2026-06-15T10:30:00Z');
const day = (offset: number) => new Date(Date.UTC(2026, 5, 15 + offset)).toISOString().slice(0, 10);
/** The account imported these days; the resource cost `cost` on each (null: no line that day). */
const imported = (offsets: number[], cost: (offset: number) => number | null, currency = 'USD') =>
  offsets.map((offset) => {
    const amount = cost(offset);
    return { day: day(offset), currency: amount === null ? null : currency, cost: amount === null ? null : String(amount) };
  });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('measure', () => {
  it('compares the mean daily cost of the imported days before the action with each imported day after it', () => {
    const days = imported(range(-BASELINE_DAYS, 10), (offset) => (offset < 0 ? 4 : offset === 0 ? 2 : 0.5));
    const result = measure(acted, 'USD', days, day(30));
    expect(result.baseline).toEqual({ start: day(-14), end: day(-1), days: 14, daily: 4 });
    // The day of the action (2.00) is on neither side.
    expect(result.after.days.map((entry) => entry.day)).toEqual(range(1, 10).map(day));
    expect(result.after.days[0]).toEqual({ day: day(1), cost: 0.5, savings: 3.5 });
    expect(result.after.daily).toBe(0.5);
    expect(result.realized_monthly).toBeCloseTo(3.5 * DAYS_PER_MONTH, 9);
    expect(result.status).toBe('measured');
  });

  it('counts a day without the resource’s lines as zero cost only when the account imported that day', () => {
    // Deleted on day 0: no lines after. Days 4 and 5 are not imported yet.
    const days = imported([...range(-3, -1), 1, 2, 3, 6], (offset) => (offset < 0 ? 3 : null));
    const result = measure(acted, 'USD', days, day(30));
    expect(result.baseline.days).toBe(3);
    expect(result.after.days.map((entry) => [entry.day, entry.savings])).toEqual([
      [day(1), 3],
      [day(2), 3],
      [day(3), 3],
      [day(6), 3],
    ]);
    expect(result.status).toBe('measuring');
  });

  it('has no baseline when nothing was imported before the action, and ignores days older than the window', () => {
    const result = measure(acted, 'USD', imported([-BASELINE_DAYS - 1, 1, 2], () => 5), day(30));
    expect(result).toMatchObject({ status: 'no_baseline', realized_monthly: null, after: { days: [] } });
  });

  it('measures at most the window after the action, and never today (its import is partial)', () => {
    const days = imported(range(-2, MEASURED_DAYS + 5), (offset) => (offset < 0 ? 1 : 0));
    expect(measure(acted, 'USD', days, day(200)).after.days).toHaveLength(MEASURED_DAYS);
    expect(measure(acted, 'USD', days, day(8)).after.days.map((entry) => entry.day).at(-1)).toBe(day(7));
  });

  it('measures in the recommendation’s currency, or the one the resource spent most in', () => {
    const days = [...imported(range(-2, 2), () => 1, 'EUR'), ...imported(range(-2, 2), () => 10, 'USD')];
    expect(measure(acted, 'EUR', days, day(30))).toMatchObject({ currency: 'EUR', baseline: { daily: 1 } });
    expect(measure(acted, 'GBP', days, day(30))).toMatchObject({ currency: 'USD', baseline: { daily: 10 } });
  });

  it('reports a negative saving when the resource costs more after the action', () => {
    const result = measure(acted, 'USD', imported(range(-7, 7), (offset) => (offset < 0 ? 1 : 1.5)), day(30));
    expect(result.realized_monthly).toBeCloseTo(-0.5 * DAYS_PER_MONTH, 9);
  });
});
