import { describe, expect, it } from 'vitest';
import { dayRangeOf } from './apply-import.ts';
import { changedDays, type DayTotal } from './daily-totals.ts';

const total = (day: string, amount: string, by_service: Record<string, string> = { EC2: amount }): DayTotal => ({ day, currency: 'USD', total: amount, by_service });
const range = { from: '2026-03-02', to: '2026-03-04' };

describe('changedDays', () => {
  it('reports new and changed days with the day before as previous_total, and nothing unchanged', () => {
    const before = [total('2026-03-01', '5'), total('2026-03-02', '10')];
    const after = [total('2026-03-01', '5'), total('2026-03-02', '10'), total('2026-03-03', '7')];
    expect(changedDays(before, after, range)).toEqual([{ day: '2026-03-03', currency: 'USD', total: '7', by_service: { EC2: '7' }, previous_total: '10' }]);
  });

  it('reports a change of split with the same total', () => {
    const before = [total('2026-03-02', '10', { EC2: '10' })];
    const after = [total('2026-03-02', '10', { EC2: '4', S3: '6' })];
    expect(changedDays(before, after, range).map((day) => day.by_service)).toEqual([{ EC2: '4', S3: '6' }]);
  });

  it('reports a day that lost every line as 0, and ignores the day before the range', () => {
    const before = [total('2026-03-01', '1'), total('2026-03-03', '3')];
    const after = [total('2026-03-01', '2')];
    expect(changedDays(before, after, range)).toEqual([{ day: '2026-03-03', currency: 'USD', total: '0', by_service: {} }]);
  });
});

describe('dayRangeOf', () => {
  it('covers every UTC day the half-open period touches', () => {
    expect(dayRangeOf({ start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-03-03T00:00:00Z') })).toEqual({ from: '2026-03-01', to: '2026-03-03' });
    expect(dayRangeOf({ start: new Date('2026-03-01T10:00:00Z'), end: new Date('2026-03-03T01:00:00Z') })).toEqual({ from: '2026-03-01', to: '2026-03-04' });
  });
});
