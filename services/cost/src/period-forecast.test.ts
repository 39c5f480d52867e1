import { describe, expect, it } from 'vitest';
import { calendarPeriod } from './modules/budgets/budget-periods.ts';
import { monthForecast } from './modules/costs/month-forecast.ts';
import { elapsedDays, extrapolate, forecastToPeriodEnd } from './period-forecast.ts';

const april = { start: '2025-04-01', end: '2025-04-30' };

describe('the forecast rule', () => {
  it('extrapolates the spend of the days before today, through the last one billed', () => {
    // Lines through the 8th; today is the 11th: 8 of 30 days elapsed.
    expect(elapsedDays(april, '2025-04-11', '2025-04-08')).toEqual({ days_in_period: 30, days_elapsed: 8, through: '2025-04-08' });
    expect(forecastToPeriodEnd(april, '2025-04-11', { spend: '30.5', through: '2025-04-08' })).toBe('114.375000');
    // 7 of 30 days: 100 × 30 / 7 = 428.5714285…, rounded half away from zero; credits too.
    expect(forecastToPeriodEnd(april, '2025-04-10', { spend: '100', through: '2025-04-07' })).toBe('428.571429');
    expect(forecastToPeriodEnd(april, '2025-04-10', { spend: '-7', through: '2025-04-07' })).toBe('-30.000000');
    expect(extrapolate('2.000001', elapsedDays(april, '2025-04-11', '2025-04-03'))).toEqual({ daily_run_rate: '0.666667', forecast: '20.000010' });
  });

  it('has no forecast before a complete day is billed, and counts no day of today or later', () => {
    expect(forecastToPeriodEnd(april, '2025-04-01', { spend: '0', through: null })).toBeNull();
    expect(elapsedDays(april, '2025-04-05', '2025-04-05')).toMatchObject({ days_elapsed: 0, through: null });
    expect(elapsedDays(april, '2025-04-05', '2025-03-31')).toMatchObject({ days_elapsed: 0, through: null });
  });

  it('runs over any period: a quarter, a month clipped by a budget start date, one that is over', () => {
    const quarter = calendarPeriod('quarterly', '2025-05-10');
    expect(elapsedDays(quarter, '2025-05-10', '2025-05-09')).toEqual({ days_in_period: 91, days_elapsed: 39, through: '2025-05-09' });
    expect(forecastToPeriodEnd({ start: '2025-04-21', end: '2025-04-30' }, '2025-04-25', { spend: '8', through: '2025-04-24' })).toBe('20.000000');
    expect(forecastToPeriodEnd(april, '2025-05-02', { spend: '123.45', through: '2025-04-20' })).toBe('123.450000');
  });

  it("is the month forecast's rule and the budgets' rule, where the old rules differed", () => {
    // A 30-day month, today the 11th with 500 already billed for it, and nothing billed for the 9th and 10th.
    const now = new Date('2025-04-11T08:00:00Z');
    const rows = [
      { period: '2025-04-01', currency: 'USD', amount: '10.000000' },
      { period: '2025-04-05', currency: 'USD', amount: '20.000000' },
      { period: '2025-04-08', currency: 'USD', amount: '0.500000' },
      { period: '2025-04-11', currency: 'USD', amount: '500.000000' },
    ];
    const month = monthForecast(now, rows, []);
    const budget = forecastToPeriodEnd(calendarPeriod('monthly', '2025-04-11'), '2025-04-11', { spend: '30.5', through: '2025-04-08' });
    // The route extrapolated 30.5 over 8 days (114.375); budgets extrapolated all 530.5 over 11 (1446.818182).
    expect(month.items[0]!.forecast).toBe('114.375000');
    expect(budget).toBe(month.items[0]!.forecast);
  });
});
