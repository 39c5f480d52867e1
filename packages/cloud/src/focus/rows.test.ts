import { describe, expect, it } from 'vitest';
import { FocusRowReader } from './rows.ts';

const reader = new FocusRowReader(['BilledCost', 'BillingCurrency', 'ChargePeriodStart', 'ChargePeriodEnd', 'ServiceName', 'ServiceCategory', 'ChargeCategory']);
const period = (start: string, end: string) => reader.read(['1', 'USD', start, end, 'EC2', 'Compute', 'Usage']);

describe('FocusRowReader', () => {
  it.each([
    ['2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', 'hourly'],
    ['2026-11-01T05:00:00+05:00', '2026-11-01T01:00:00Z', 'hourly'],
    ['2026-11-01', '2026-11-02', 'daily'],
    ['2026-11-01T07:00:00Z', '2026-11-02T07:00:00Z', 'daily'],
    ['2026-11-01', '2026-12-01', 'monthly'],
    ['2026-02-01', '2026-03-01', 'monthly'],
    ['2028-02-01', '2028-03-01', 'monthly'],
    ['2026-12-01', '2027-01-01', 'monthly'],
  ])('a period from %s to %s is %s', (start, end, granularity) => expect(period(start, end)).toMatchObject({ granularity }));

  it.each([
    ['2026-11-01T05:00:00Z', '2026-11-01T05:30:00Z'],
    ['2026-11-01', '2026-11-03'],
    ['2026-11-15', '2026-12-15'],
    ['2026-11-01T01:00:00Z', '2026-12-01T01:00:00Z'],
    ['2026-11-01', '2027-01-01'],
    ['2026-11-01', '2026-11-01'],
  ])('refuses a period from %s to %s', (start, end) => expect(period(start, end)).toMatch(/is not an hour, a day or a calendar month$/));

  it('lists the header positions it reads, so a columnar file reads only those', () => {
    const wide = new FocusRowReader(['x_A', 'Tags', 'BilledCost', 'BillingCurrency', 'x_B', 'ChargePeriodStart', 'ChargePeriodEnd', 'ServiceName', 'ServiceCategory', 'ChargeCategory']);
    expect([...wide.positions].sort((a, b) => a - b)).toEqual([1, 2, 3, 5, 6, 7, 8, 9]);
  });
});
