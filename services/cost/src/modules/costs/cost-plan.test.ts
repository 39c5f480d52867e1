import { describe, expect, it } from 'vitest';
import { AppError } from '@stratus/http';
import {
  addDays,
  addMonths,
  daysBetween,
  monthOf,
  planCostQuery,
  rangeOrCurrentMonth,
  topGroupBy,
  utcDay,
  type CostFilters,
  type CostQuestion,
  type Dimension,
  type Granularity,
} from './cost-plan.ts';

const limits = { rawFrom: '2025-01-01' };
const MONTHS = { from: '2025-03-01', to: '2025-05-01' };

function question(groupBy: Dimension[], granularity: Granularity = 'month', filters: CostFilters = {}, range = MONTHS): CostQuestion {
  return { groupBy, granularity, range, filters };
}

function planned(...args: Parameters<typeof question>) {
  const { table, rows } = planCostQuery(question(...args), limits);
  return `${table}/${rows}`;
}

describe('day arithmetic', () => {
  it('works on UTC days as strings', () => {
    expect(utcDay(new Date('2025-03-31T23:59:59.999Z'))).toBe('2025-03-31');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addMonths('2025-01-01', -2)).toBe('2024-11-01');
    expect(addMonths('2025-03-01', 24)).toBe('2027-03-01');
    expect(daysBetween('2025-02-01', '2025-03-01')).toBe(28);
    expect(monthOf('2024-12-17')).toEqual({ from: '2024-12-01', to: '2025-01-01' });
  });

  it('defaults each end of a range to the current month', () => {
    const now = new Date('2025-07-15T10:00:00Z');
    expect(rangeOrCurrentMonth({}, now)).toEqual({ from: '2025-07-01', to: '2025-08-01' });
    expect(rangeOrCurrentMonth({ from: '2025-01-01' }, now)).toEqual({ from: '2025-01-01', to: '2025-08-01' });
  });
});

describe('planCostQuery', () => {
  it('answers account, service, region and provider from cost_rollups, monthly rows for whole months', () => {
    expect(planned(['service'])).toBe('cost_rollups/month');
    expect(planned(['account', 'region'], 'total', { provider: 'AWS', service: 'AmazonEC2' })).toBe('cost_rollups/month');
    expect(planned([], 'month')).toBe('cost_rollups/month');
  });

  it('reads daily rows for days, and for months of a range not of whole months', () => {
    expect(planned(['service'], 'day')).toBe('cost_rollups/day');
    expect(planned(['service'], 'month', {}, { from: '2025-03-10', to: '2025-05-01' })).toBe('cost_rollups/day');
    expect(planned(['service'], 'total', {}, { from: '2025-03-01', to: '2025-04-15' })).toBe('cost_rollups/day');
  });

  it('answers one tag key (grouped, filtered or both) from cost_tag_rollups', () => {
    expect(planned(['tag:team'])).toBe('cost_tag_rollups/month');
    expect(planned(['service', 'account'], 'day', { tags: { team: 'core' }, provider: 'GCP' })).toBe('cost_tag_rollups/day');
    expect(planned(['tag:team'], 'month', { tags: { team: 'core' } })).toBe('cost_tag_rollups/month');
  });

  it('answers resources by whole months from cost_resource_rollups', () => {
    expect(planned(['resource'])).toBe('cost_resource_rollups/month');
    expect(planned(['resource', 'service', 'region'], 'total', { account: '0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d' })).toBe(
      'cost_resource_rollups/month',
    );
  });

  it.each<[string, Parameters<typeof question>]>([
    ['a tag with a region', [['tag:team', 'region']]],
    ['a tag filter with a region filter', [['service'], 'month', { tags: { team: 'core' }, region: 'eu-west-1' }]],
    ['two tag keys', [['tag:team'], 'month', { tags: { env: 'prod' } }]],
    ['resources by day', [['resource'], 'day']],
    ['resources over part of a month', [['resource'], 'total', {}, { from: '2025-03-01', to: '2025-03-20' }]],
    ['resources with a tag', [['resource'], 'month', { tags: { env: 'prod' } }]],
  ])('falls back to raw lines for %s', (_, args) => {
    expect(planned(...args)).toBe('cost_data/day');
  });

  it.each<[string, CostQuestion, RegExp]>([
    ['an empty range', question(['service'], 'month', {}, { from: '2025-03-01', to: '2025-03-01' }), /from \(2025-03-01\) must be before to \(2025-03-01\)/],
    ['a reversed range', question(['service'], 'day', {}, { from: '2025-03-02', to: '2025-03-01' }), /must be before/],
    ['over ten years', question(['service'], 'month', {}, { from: '2015-01-01', to: '2025-01-02' }), /longer than 120 months; ask in parts/],
    [
      'raw lines over two years',
      question(['resource'], 'day', {}, { from: '2025-01-01', to: '2027-01-02' }),
      /no rollup answers this \(resource rollups are monthly.*\), so it is read from raw cost lines, at most 24 months at a time/,
    ],
    [
      'raw lines past their retention',
      question(['tag:env', 'region'], 'month', {}, { from: '2024-12-01', to: '2025-02-01' }),
      /tag rollups keep no region.*kept from 2025-01-01 on: move from to 2025-01-01 or later, drop a dimension, or restore the archived months/,
    ],
  ])('refuses %s', (_, asked, message) => {
    expect(() => planCostQuery(asked, limits)).toThrow(AppError);
    expect(() => planCostQuery(asked, limits)).toThrow(message);
  });

  it('reads raw lines past their retention from months restored from their archives, all of them', () => {
    const asked = question(['tag:env', 'region'], 'month', {}, { from: '2024-11-01', to: '2025-02-01' });
    expect(planCostQuery(asked, { ...limits, restoredMonths: new Set(['2024-11-01', '2024-12-01']) }).table).toBe('cost_data');
    expect(() => planCostQuery(asked, { ...limits, restoredMonths: new Set(['2024-12-01']) })).toThrow(/or restore the archived months/);
    const restoredOnly = question(['tag:env', 'region'], 'month', {}, { from: '2024-06-01', to: '2024-07-01' });
    expect(planCostQuery(restoredOnly, { ...limits, restoredMonths: new Set(['2024-06-01']) }).table).toBe('cost_data');
  });

  it('keeps rollup answers past the raw retention and up to ten years', () => {
    expect(planned(['service'], 'month', {}, { from: '2016-01-01', to: '2026-01-01' })).toBe('cost_rollups/month');
    expect(planned(['tag:env'], 'day', {}, { from: '2020-01-01', to: '2020-02-01' })).toBe('cost_tag_rollups/day');
  });
});

describe('topGroupBy', () => {
  it('ranks a resource within its account, anything else alone', () => {
    expect(topGroupBy('resource')).toEqual(['account', 'resource']);
    expect(topGroupBy('tag:team')).toEqual(['tag:team']);
  });
});
