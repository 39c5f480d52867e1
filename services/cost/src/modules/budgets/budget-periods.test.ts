import { describe, expect, it } from 'vitest';
import { addDays } from '../../calendar.ts';
import {
  calendarPeriod,
  percentOf,
  periodContaining,
  periodsOverlapping,
  type BudgetSchedule,
} from './budget-periods.ts';

const monthly: BudgetSchedule = { period: 'monthly', start_date: '2025-01-01', end_date: null };

describe('calendarPeriod', () => {
  it.each([
    ['monthly', '2025-02-14', '2025-02-01', '2025-02-28'],
    ['monthly', '2024-02-29', '2024-02-01', '2024-02-29'],
    ['monthly', '2025-12-31', '2025-12-01', '2025-12-31'],
    ['quarterly', '2025-01-01', '2025-01-01', '2025-03-31'],
    ['quarterly', '2025-05-20', '2025-04-01', '2025-06-30'],
    ['quarterly', '2025-12-31', '2025-10-01', '2025-12-31'],
    ['yearly', '2025-07-04', '2025-01-01', '2025-12-31'],
  ] as const)('%s period of %s is %s to %s', (period, day, start, end) => {
    expect(calendarPeriod(period, day)).toEqual({ start, end });
  });
});

describe('periodContaining', () => {
  it('is the calendar period clipped to the budget dates', () => {
    const schedule: BudgetSchedule = { period: 'quarterly', start_date: '2025-02-10', end_date: '2025-08-15' };
    expect(periodContaining(schedule, '2025-03-01')).toEqual({ start: '2025-02-10', end: '2025-03-31' });
    expect(periodContaining(schedule, '2025-05-01')).toEqual({ start: '2025-04-01', end: '2025-06-30' });
    expect(periodContaining(schedule, '2025-08-15')).toEqual({ start: '2025-07-01', end: '2025-08-15' });
  });

  it('is undefined before the start and after the end', () => {
    const schedule: BudgetSchedule = { period: 'monthly', start_date: '2025-02-10', end_date: '2025-08-15' };
    expect(periodContaining(schedule, '2025-02-09')).toBeUndefined();
    expect(periodContaining(schedule, '2025-08-16')).toBeUndefined();
    expect(periodContaining(monthly, '2030-06-06')).toEqual({ start: '2030-06-01', end: '2030-06-30' });
  });
});

describe('periodsOverlapping', () => {
  it('lists each period sharing a day with the half-open range', () => {
    expect(periodsOverlapping(monthly, '2025-01-31', '2025-03-01')).toEqual([
      { start: '2025-01-01', end: '2025-01-31' },
      { start: '2025-02-01', end: '2025-02-28' },
    ]);
    expect(periodsOverlapping({ period: 'yearly', start_date: '2024-06-01', end_date: null }, '2024-12-31', '2025-01-02')).toEqual([
      { start: '2024-06-01', end: '2024-12-31' },
      { start: '2025-01-01', end: '2025-12-31' },
    ]);
  });

  it('leaves out the days outside the budget', () => {
    const schedule: BudgetSchedule = { period: 'monthly', start_date: '2025-03-15', end_date: '2025-04-10' };
    expect(periodsOverlapping(schedule, '2025-01-01', '2025-12-01')).toEqual([
      { start: '2025-03-15', end: '2025-03-31' },
      { start: '2025-04-01', end: '2025-04-10' },
    ]);
    expect(periodsOverlapping(schedule, '2025-01-01', '2025-03-15')).toEqual([]);
    expect(periodsOverlapping(schedule, '2025-04-11', '2025-05-01')).toEqual([]);
    expect(periodsOverlapping(monthly, '2025-02-01', '2025-02-01')).toEqual([]);
  });
});

describe('percentOf', () => {
  it('truncates to 2 decimals so a threshold never reads as reached before it is', () => {
    expect(percentOf('80', '100')).toBe(80);
    expect(percentOf('79.999999', '100')).toBe(79.99);
    expect(percentOf('987.648', '1234.56')).toBe(80);
    expect(percentOf('1500', '1000.000000')).toBe(150);
    expect(percentOf('0', '100')).toBe(0);
  });

  it('is null for a budget of 0', () => {
    expect(percentOf('5', '0.000000')).toBeNull();
  });
});

it('addDays crosses months and years', () => {
  expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
  expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
});
