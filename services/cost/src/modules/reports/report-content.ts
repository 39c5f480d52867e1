import { sql, type Transaction } from 'kysely';
import { retentionCutoff } from '@stratus/config';
import type { Database, JsonObject } from '@stratus/db';
import { assertNever } from '@stratus/http';
import { addDays, addMonths, planCostQuery, utcDay, type CostFilters, type Dimension, type DayRange } from '../costs/cost-plan.ts';
import { orderedCostRows } from '../costs/costs.queries.ts';
import { restoredArchiveMonths } from '../cost-archives/cost-archives.repository.ts';
import type { ReportParameters, ReportPeriod } from './reports.schemas.ts';

type Trx = Transaction<Database>;

/** A report's table (the CSV, row for row) and the figure its chart shows per label. */
export interface ReportContent {
  title: string;
  /** What the figures cover, in words: "2026-11-01 to 2026-12-01 (UTC)". */
  scope: string;
  columns: string[];
  rows: string[][];
  /** Largest first; amounts of one currency only (the chart's), the rest stay in the table. */
  chart: { label: string; value: number }[];
  currency: string | null;
}

/** The days a relative period covers at `now` (UTC): the report is about the same span every run. */
export function rangeOf(period: ReportPeriod, now: Date): DayRange {
  const today = utcDay(now);
  const month = `${today.slice(0, 7)}-01`;
  switch (period) {
    case 'last_month':
      return { from: addMonths(month, -1), to: month };
    case 'month_to_date':
      return { from: month, to: addDays(today, 1) };
    case 'last_7_days':
      return { from: addDays(today, -7), to: today };
    case 'last_30_days':
      return { from: addDays(today, -30), to: today };
    default:
      return assertNever(period, 'report period');
  }
}

/** The chart's currency: the one most is spent in; other currencies' rows are left out of it. */
function chartOf(items: { label: string; amount: string; currency: string }[]): Pick<ReportContent, 'chart' | 'currency'> {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.currency, (totals.get(item.currency) ?? 0) + Number(item.amount));
  const currency = [...totals].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const chart = items.filter((item) => item.currency === currency).map((item) => ({ label: item.label, value: Number(item.amount) }));
  return { chart: chart.sort((a, b) => b.value - a.value), currency };
}

async function spend(trx: Trx, groupBy: Dimension[], filters: CostFilters, range: DayRange, rawRetentionMonths: number, now: Date) {
  const rawFrom = utcDay(retentionCutoff(now, rawRetentionMonths));
  const restoredMonths = range.from < rawFrom ? new Set(await restoredArchiveMonths(trx)) : undefined;
  const plan = planCostQuery({ groupBy, granularity: 'total', range, filters }, { rawFrom, restoredMonths });
  const { rows } = await orderedCostRows(plan).execute(trx);
  return rows.map((row) => ({ keys: row.keys.map((key) => key || '(none)'), currency: row.currency, amount: row.amount }));
}

/** What a report holds now: read in the organisation's transaction (row-level security applies). */
export async function reportContent(trx: Trx, parameters: ReportParameters, options: { now: Date; rawRetentionMonths: number }): Promise<ReportContent> {
  const { now, rawRetentionMonths } = options;
  switch (parameters.report_type) {
    case 'cost_breakdown':
    case 'showback': {
      const range = rangeOf(parameters.period, now);
      const groupBy: Dimension[] = parameters.report_type === 'showback' ? [`tag:${parameters.tag_key}`] : parameters.group_by;
      const filters: CostFilters = parameters.report_type === 'showback' ? {} : { ...parameters.filters };
      const rows = await spend(trx, groupBy, filters, range, rawRetentionMonths, now);
      const items = rows.map((row) => ({ label: row.keys.join(' / ') || 'total', amount: row.amount, currency: row.currency }));
      return {
        title: parameters.report_type === 'showback' ? `Spend per ${parameters.tag_key}` : `Spend by ${groupBy.join(', ') || 'total'}`,
        scope: `${range.from} to ${range.to} (UTC, the last day excluded)`,
        columns: [...groupBy, 'currency', 'amount'],
        rows: rows.map((row) => [...row.keys, row.currency, row.amount]),
        ...chartOf(items),
      };
    }
    case 'open_recommendations': {
      const rows = await trx
        .selectFrom('recommendations')
        .select(['id', 'recommendation_type', 'title', 'provider', 'priority', 'estimated_savings', 'currency'])
        .where('status', '=', 'open')
        .orderBy('estimated_savings', (order) => order.desc().nullsLast())
        .orderBy('id')
        .execute();
      return {
        title: 'Open recommendations',
        scope: `open on ${utcDay(now)}, the largest monthly savings first`,
        columns: ['id', 'recommendation_type', 'title', 'provider', 'priority', 'currency', 'estimated_monthly_savings'],
        rows: rows.map((row) => [row.id, row.recommendation_type, row.title, row.provider, String(row.priority), row.currency ?? '', row.estimated_savings ?? '']),
        ...chartOf(
          rows.filter((row) => row.estimated_savings !== null && row.currency !== null).slice(0, 20)
            .map((row) => ({ label: row.title, amount: row.estimated_savings!, currency: row.currency! })),
        ),
      };
    }
    case 'realized_savings': {
      const range = rangeOf(parameters.period, now);
      const { rows } = await sql<{ recommendation_id: string; title: string; currency: string; savings: string; days: number }>`
        select d.recommendation_id, coalesce(r.title, '') as title, d.currency, sum(d.savings)::text as savings, count(*)::int as days
          from realized_savings_days d
          left join recommendations r on r.id = d.recommendation_id
         where d.day >= ${range.from}::date and d.day < ${range.to}::date
         group by 1, 2, 3
         order by sum(d.savings) desc, 1
      `.execute(trx);
      return {
        title: 'Realized savings',
        scope: `measured days ${range.from} to ${range.to} (UTC, the last day excluded)`,
        columns: ['recommendation_id', 'title', 'measured_days', 'currency', 'savings'],
        rows: rows.map((row) => [row.recommendation_id, row.title, String(row.days), row.currency, row.savings]),
        ...chartOf(rows.map((row) => ({ label: row.title || row.recommendation_id, amount: row.savings, currency: row.currency }))),
      };
    }
    default:
      return assertNever(parameters, 'report type');
  }
}

/** The parameters as stored (report_type travels beside them, in its own column). */
export function storedParameters(parameters: ReportParameters): JsonObject {
  const { report_type: _type, ...rest } = parameters;
  return rest as JsonObject;
}
