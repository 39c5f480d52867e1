import { describe, expect, it } from 'vitest';
import { estimate, fromUnits, toUnits } from '@stratus/db';
import { forecastRanges, monthForecast, type SpendRow } from './month-forecast.ts';

const usd = (period: string, amount: string): SpendRow => ({ period, currency: 'USD', amount });

describe('amounts in units of 10^-24', () => {
  it('round-trip decimal strings exactly, negatives included, shown with at least 6 decimals', () => {
    for (const amount of ['0.000000', '12.500000', '-0.000001', '-3.250000', '99999999999999.999999', '0.000000000012345678901234', '-1.1234567']) {
      expect(fromUnits(toUnits(amount))).toBe(amount);
    }
    expect(fromUnits(toUnits('7'))).toBe('7.000000');
    expect(toUnits('-1.5')).toBe(-1_500_000_000_000_000_000_000_000n);
    expect(() => toUnits('1.0000000000000000000000001')).toThrow(TypeError);
    expect(() => toUnits('1e3')).toThrow(TypeError);
  });

  it('rounds estimates to millionths, half away from zero', () => {
    expect(fromUnits(estimate(toUnits('10'), 3n))).toBe('3.333333');
    expect(fromUnits(estimate(toUnits('-0.0000025'), 1n))).toBe('-0.000003');
  });
});

describe('monthForecast', () => {
  const now = new Date('2025-04-11T08:00:00Z'); // 30-day month, 10 complete days

  it('extrapolates the run-rate of the days through the last complete one with spend', () => {
    const days = [usd('2025-04-01', '10.000000'), usd('2025-04-05', '20.000000'), usd('2025-04-08', '0.500000')];
    expect(monthForecast(now, days, [usd('2025-03-01', '1000.000000')])).toEqual({
      month: '2025-04-01',
      days_in_month: 30,
      days_elapsed: 8,
      through: '2025-04-08',
      items: [
        {
          currency: 'USD',
          spend_to_date: '30.500000',
          daily_run_rate: '3.812500',
          forecast: '114.375000',
          previous_month_total: '1000.000000',
        },
      ],
    });
  });

  it("leaves today's partial spend out, and rounds half away from zero to the millionth", () => {
    const days = [usd('2025-04-01', '1.000000'), usd('2025-04-02', '1.000000'), usd('2025-04-03', '0.000001'), usd('2025-04-11', '500.000000')];
    const [item] = monthForecast(now, days, []).items;
    // 2.000001 over 3 days: 0.666667 a day; + 27 days: 2.000001 × 27 / 3 = 18.000009.
    expect(item).toEqual({
      currency: 'USD',
      spend_to_date: '2.000001',
      daily_run_rate: '0.666667',
      forecast: '20.000010',
      previous_month_total: '0.000000',
    });
    const [credit] = monthForecast(now, [usd('2025-04-01', '-0.000005'), usd('2025-04-02', '0.000000')], []).items;
    expect(credit).toMatchObject({ daily_run_rate: '-0.000003', forecast: '-0.000075' });
  });

  it('shares the elapsed days between currencies and lists those of either month', () => {
    const days = [usd('2025-04-09', '9.000000'), { period: '2025-04-02', currency: 'EUR', amount: '4.500000' }];
    const result = monthForecast(now, days, [{ period: '2025-03-01', currency: 'GBP', amount: '3.000000' }]);
    expect(result.days_elapsed).toBe(9);
    expect(result.items).toEqual([
      { currency: 'EUR', spend_to_date: '4.500000', daily_run_rate: '0.500000', forecast: '15.000000', previous_month_total: '0.000000' },
      { currency: 'GBP', spend_to_date: '0.000000', daily_run_rate: '0.000000', forecast: '0.000000', previous_month_total: '3.000000' },
      { currency: 'USD', spend_to_date: '9.000000', daily_run_rate: '1.000000', forecast: '30.000000', previous_month_total: '0.000000' },
    ]);
  });

  it('has no run-rate before a complete day has spend', () => {
    const result = monthForecast(new Date('2025-04-01T23:00:00Z'), [usd('2025-04-01', '5.000000')], [usd('2025-03-01', '2.000000')]);
    expect(result).toMatchObject({ days_elapsed: 0, through: null });
    expect(result.items).toEqual([
      { currency: 'USD', spend_to_date: '0.000000', daily_run_rate: null, forecast: null, previous_month_total: '2.000000' },
    ]);
  });

  it('says nothing without spend, and extrapolates up to the last day of the month', () => {
    expect(monthForecast(new Date('2025-03-01T00:00:00Z'), [], []).items).toEqual([]);
    const end = monthForecast(new Date('2025-02-28T12:00:00Z'), [usd('2025-02-27', '27.000000')], []);
    expect(end).toMatchObject({ days_in_month: 28, days_elapsed: 27 });
    expect(end.items[0]).toMatchObject({ daily_run_rate: '1.000000', forecast: '28.000000' });
  });
});

describe('forecastRanges', () => {
  it("reads the month's days before today and the previous month", () => {
    expect(forecastRanges(new Date('2025-01-15T12:00:00Z'))).toEqual({
      days: { from: '2025-01-01', to: '2025-01-15' },
      previous: { from: '2024-12-01', to: '2025-01-01' },
    });
    expect(forecastRanges(new Date('2025-03-01T00:00:00Z')).days).toBeNull();
  });
});
