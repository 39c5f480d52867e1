import { describe, expect, it } from 'vitest';
import { billingMonthOpen, billingPeriodOpen, coveringDays, dayWindows, decimalString, picoDecimal, picoUnits, serviceCategory } from './focus.ts';
import { cpuFromSamples } from './utilization.ts';

describe('FOCUS helpers', () => {
  it('writes amounts as plain decimals, without the float noise providers send', () => {
    expect(decimalString(0.61440000000000005)).toBe('0.6144');
    expect(decimalString(1.2e-7)).toBe('0.00000012');
    expect(decimalString(2890)).toBe('2890');
    expect(decimalString(-3.25)).toBe('-3.25');
    expect(decimalString(-1e-15)).toBe('0');
    expect(() => decimalString(Number.NaN)).toThrow(RangeError);
  });

  it('holds a billing month open until its fifth day after has passed, across a year end', () => {
    expect(billingMonthOpen('2025-03', new Date('2025-03-01T00:00:00Z'))).toBe(true);
    expect(billingMonthOpen('2025-03', new Date('2025-04-05T23:59:59.999Z'))).toBe(true);
    expect(billingMonthOpen('2025-03', new Date('2025-04-06T00:00:00Z'))).toBe(false);
    expect(billingMonthOpen('2025-12', new Date('2026-01-05T12:00:00Z'))).toBe(true);
    expect(billingMonthOpen('2025-12', new Date('2026-01-06T00:00:00Z'))).toBe(false);
  });

  it('holds a billing period that starts mid-month open until its fifth day after, whichever month the day is in', () => {
    // Periods from the 15th: 2026-03-20 is in 15 March to 14 April, which closes on 15 April.
    expect(billingPeriodOpen('2026-03-20', new Date('2026-04-19T23:59:59.999Z'), 15)).toBe(true);
    expect(billingPeriodOpen('2026-03-20', new Date('2026-04-20T00:00:00Z'), 15)).toBe(false);
    // 2026-03-10 is in 15 February to 14 March.
    expect(billingPeriodOpen('2026-03-10', new Date('2026-03-19T12:00:00Z'), 15)).toBe(true);
    expect(billingPeriodOpen('2026-03-10', new Date('2026-03-20T00:00:00Z'), 15)).toBe(false);
    // Across a year end, and the first day of a period.
    expect(billingPeriodOpen('2025-12-28', new Date('2026-01-31T00:00:00Z'), 28)).toBe(true);
    expect(billingPeriodOpen('2025-12-28', new Date('2026-02-02T00:00:00Z'), 28)).toBe(false);
    expect(billingPeriodOpen('2026-01-05', new Date('2026-01-09T00:00:00Z'), 5)).toBe(true);
    // A period from the 1st is the calendar month.
    expect(billingPeriodOpen('2025-03-31', new Date('2025-04-06T00:00:00Z'), 1)).toBe(billingMonthOpen('2025-03', new Date('2025-04-06T00:00:00Z')));
  });

  it('sums amounts exactly in units of 10^-12', () => {
    const sum = [19.545363672276512, 173.41979241290323, 20.359416562625452, 0.16677720329728665].map(picoUnits).reduce((a, b) => a + b);
    expect(picoDecimal(sum)).toBe('213.491349851102');
    expect(picoDecimal(picoUnits(-3.25) + picoUnits(1.2e-7))).toBe('-3.24999988');
    expect(picoDecimal(picoUnits(0.5) - picoUnits(0.5))).toBe('0');
    expect(picoDecimal(picoUnits(-0.000001))).toBe('-0.000001');
  });

  it('names the FOCUS service category of each provider’s services', () => {
    expect(
      [
        'Amazon Elastic Compute Cloud - Compute',
        'EC2 - Other',
        'Amazon EC2 Container Registry (ECR)',
        'Amazon Relational Database Service',
        'Amazon Simple Storage Service',
        'AWS Data Transfer',
        'AWS Key Management Service',
        'Virtual Machines',
        'Azure Database for PostgreSQL',
        'Log Analytics',
        'Virtual Network',
        'Compute Engine',
        'BigQuery',
        'Cloud Storage',
        'Kubernetes Engine',
        'Tax',
        'Something New',
      ].map(serviceCategory),
    ).toEqual([
      'Compute',
      'Compute',
      'Developer Tools',
      'Databases',
      'Storage',
      'Networking',
      'Security',
      'Compute',
      'Databases',
      'Management and Governance',
      'Networking',
      'Compute',
      'Analytics',
      'Storage',
      'Compute',
      'Other',
      'Other',
    ]);
  });

  it('covers a period with whole UTC days and splits long ones', () => {
    expect(coveringDays({ start: new Date('2025-03-01T06:00:00Z'), end: new Date('2025-03-02T00:00:00Z') })).toEqual({ from: '2025-03-01', to: '2025-03-02' });
    expect(coveringDays({ start: new Date('2025-03-01T00:00:00Z'), end: new Date('2025-03-02T00:00:01Z') })).toEqual({ from: '2025-03-01', to: '2025-03-03' });
    expect(dayWindows('2025-01-01', '2025-03-05', 31)).toEqual([
      { from: '2025-01-01', to: '2025-02-01' },
      { from: '2025-02-01', to: '2025-03-04' },
      { from: '2025-03-04', to: '2025-03-05' },
    ]);
  });

  it('summarises hourly CPU as mean and nearest-rank p95', () => {
    expect(cpuFromSamples([])).toBeUndefined();
    expect(cpuFromSamples(Array.from({ length: 100 }, (_, index) => index + 1))).toEqual({ window_days: 30, cpu_avg: 50.5, cpu_p95: 95 });
  });
});
