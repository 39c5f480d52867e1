import type { CloudProvider } from '@stratus/db';
import { AppError } from '@stratus/http';
import { addMonths, daysBetween, utcDay, type DayRange } from '../../calendar.ts';

export { addDays, addMonths, daysBetween, utcDay, type DayRange } from '../../calendar.ts';

/**
 * Which table answers a cost question, and the day arithmetic around it, without I/O. Days are UTC
 * calendar days written 'YYYY-MM-DD' (they compare correctly as strings); ranges are half-open.
 *
 * Every read is served from the rollups the cost.ingested consumer keeps (a few thousand rows an
 * organisation and month), so it stays fast with any number of raw lines. Only a question no rollup
 * holds the dimensions for falls back to the raw lines, within their retention and two years.
 */

/** What spend can be grouped by; `tag:<key>` groups by the values of one tag key. */
export type Dimension = 'provider' | 'account' | 'service' | 'region' | 'resource' | `tag:${string}`;
export type Granularity = 'day' | 'month' | 'total';


export interface CostFilters {
  provider?: CloudProvider | undefined;
  /** A cloud_account_id. */
  account?: string | undefined;
  service?: string | undefined;
  region?: string | undefined;
  /** Tag key → value; a line must carry every one. */
  tags?: Record<string, string> | undefined;
  /** A resource_groups id: lines of its member resources only. */
  group?: string | undefined;
  /** A resources id: that resource's own lines only. */
  resource?: string | undefined;
}

export interface CostQuestion {
  groupBy: readonly Dimension[];
  granularity: Granularity;
  range: DayRange;
  filters: CostFilters;
}

export type SourceTable = 'cost_rollups' | 'cost_tag_rollups' | 'cost_resource_rollups' | 'cost_data';

export interface CostPlan extends CostQuestion {
  table: SourceTable;
  /**
   * The rollup rows read: monthly ones when the range is whole months and no day is asked for,
   * daily ones otherwise (a month of a range not of whole months sums the days of the range in it).
   */
  rows: 'day' | 'month';
}

export interface PlanLimits {
  /** The first day whose raw lines are kept (older months live on in the rollups only). */
  rawFrom: string;
  /** Months before rawFrom whose lines were restored from their archive ('YYYY-MM-01'): raw lines answer them again. */
  restoredMonths?: ReadonlySet<string>;
}

/** Whether raw lines hold every month of the range before rawFrom: each one restored from its archive. */
function restoredBefore({ from, to }: DayRange, limits: PlanLimits): boolean {
  if (!limits.restoredMonths?.size) return false;
  for (let month = `${from.slice(0, 7)}-01`; month < limits.rawFrom && month < to; month = addMonths(month, 1)) {
    if (!limits.restoredMonths.has(month)) return false;
  }
  return true;
}

/** Longest range any question may span. */
export const MAX_RANGE_MONTHS = 120;
/** Longest range read from raw lines, which are scanned rather than looked up. */
export const MAX_RAW_RANGE_MONTHS = 24;

/** The calendar month holding a day, as [its first day, the next month's first day). */
export function monthOf(day: string): DayRange {
  const from = `${day.slice(0, 7)}-01`;
  return { from, to: addMonths(from, 1) };
}

const isMonthStart = (day: string): boolean => day.endsWith('-01');

export function isTagDimension(dimension: Dimension): dimension is `tag:${string}` {
  return dimension.startsWith('tag:');
}

export function tagKeyOf(dimension: `tag:${string}`): string {
  return dimension.slice('tag:'.length);
}

/** A range from the query, each end defaulting to the current UTC month's. */
export function rangeOrCurrentMonth(range: Partial<DayRange>, now: Date): DayRange {
  const month = monthOf(utcDay(now));
  return { from: range.from ?? month.from, to: range.to ?? month.to };
}

type RollupChoice = { table: Exclude<SourceTable, 'cost_data'> } | { rawBecause: string };

/**
 * The rollup holding every dimension the question groups or filters by, or why none does:
 * - cost_rollups: provider, account, service, region, by day and month;
 * - cost_tag_rollups: one tag key, with provider, account and service (no region), by day and month;
 * - cost_resource_rollups: resource (and so a resource or resource group filter), with provider, account, service and region, by month only.
 */
function rollupFor(question: CostQuestion, rows: 'day' | 'month'): RollupChoice {
  const { groupBy, filters } = question;
  const tagKeys = new Set([...groupBy.filter(isTagDimension).map(tagKeyOf), ...Object.keys(filters.tags ?? {})]);
  // A resource, and a group (a set of them): only sources that keep the resource can answer for it.
  if (groupBy.includes('resource') || filters.group !== undefined || filters.resource !== undefined) {
    if (tagKeys.size > 0) return { rawBecause: 'resource rollups keep no tags' };
    if (rows === 'day') {
      return { rawBecause: 'resource rollups are monthly, and this asks for days (granularity day, or a range not of whole months)' };
    }
    return { table: 'cost_resource_rollups' };
  }
  if (tagKeys.size === 0) return { table: 'cost_rollups' };
  if (tagKeys.size > 1) return { rawBecause: 'tag rollups keep each tag on its own, and this involves several tag keys' };
  if (groupBy.includes('region') || filters.region !== undefined) return { rawBecause: 'tag rollups keep no region' };
  return { table: 'cost_tag_rollups' };
}

/**
 * Checks a question and picks what answers it: a rollup when one holds its dimensions, the raw
 * lines otherwise, which must lie within their retention and span at most MAX_RAW_RANGE_MONTHS.
 * Throws AppError('invalid') saying what to change.
 */
export function planCostQuery(question: CostQuestion, limits: PlanLimits): CostPlan {
  const { from, to } = question.range;
  if (from >= to) throw new AppError('invalid', `from (${from}) must be before to (${to}): the range is [from, to)`);
  if (to > addMonths(from, MAX_RANGE_MONTHS)) {
    throw new AppError('invalid', `the range ${from} to ${to} is longer than ${MAX_RANGE_MONTHS} months; ask in parts`);
  }
  const rows = question.granularity !== 'day' && isMonthStart(from) && isMonthStart(to) ? 'month' : 'day';
  const choice = rollupFor(question, rows);
  if ('table' in choice) return { ...question, table: choice.table, rows };

  const why = `no rollup answers this (${choice.rawBecause}), so it is read from raw cost lines`;
  if (to > addMonths(from, MAX_RAW_RANGE_MONTHS)) {
    throw new AppError('invalid', `${why}, at most ${MAX_RAW_RANGE_MONTHS} months at a time: narrow from/to or drop a dimension`);
  }
  if (from < limits.rawFrom && !restoredBefore(question.range, limits)) {
    throw new AppError(
      'invalid',
      `${why}, which are kept from ${limits.rawFrom} on: move from to ${limits.rawFrom} or later, drop a dimension, ` +
        'or restore the archived months (stratus costs archives restore)',
    );
  }
  return { ...question, table: 'cost_data', rows: 'day' };
}

/** What top spenders group by: a resource within its account, since provider ids are unique per account only. */
export function topGroupBy(by: Dimension): Dimension[] {
  return by === 'resource' ? ['account', 'resource'] : [by];
}
