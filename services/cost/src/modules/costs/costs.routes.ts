import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import { retentionCutoff } from '@stratus/config';
import {
  MAX_RAW_RANGE_MONTHS,
  planCostQuery,
  rangeOrCurrentMonth,
  topGroupBy,
  utcDay,
  type CostPlan,
  type CostQuestion,
  type Dimension,
} from './cost-plan.ts';
import { decodeKeyset, encodeKeyset, estimatedDays, orderedCostRows, readInBatches, topCostRows } from './costs.queries.ts';
import {
  breakdownQuery,
  breakdownSchema,
  costFiltersQuery,
  costQuestionQuery,
  filtersOf,
  forecastSchema,
  topQuery,
  topSchema,
} from './costs.schemas.ts';
import { forecastRanges, monthForecast } from './month-forecast.ts';
import { restoredArchiveMonths } from '../cost-archives/cost-archives.repository.ts';

const aggregatesSchema = z.object({
  daily: z.number().describe('this month so far / 30'),
  monthly: z.number().describe('this month so far'),
  delta_pct: z.number().nullable().describe('change against the previous month, in percent'),
});

export interface CostsRoutesOptions {
  /** COST_RAW_RETENTION_MONTHS: how far back raw lines can answer what no rollup holds. */
  rawRetentionMonths: number;
}

const tags = ['costs'];
const sourcesNote =
  'Answered from the rollups (daily and monthly totals per account, service and region; per tag key; per resource, ' +
  'monthly) whenever one holds every dimension grouped or filtered by; otherwise from raw cost lines (source: raw), ' +
  `which must lie within their retention (or in months restored from their archives) and span at most ${MAX_RAW_RANGE_MONTHS} months. ` +
  'Lines of imports not yet complete never count.';

/** Dimensions whose '' in the tables means "none". */
const NONE_WHEN_EMPTY = new Set<Dimension>(['service', 'region', 'resource']);

function valueOf(dimension: Dimension, key: string): string | null {
  return key === '' && NONE_WHEN_EMPTY.has(dimension) ? null : key;
}

function answered(plan: CostPlan) {
  return {
    from: plan.range.from,
    to: plan.range.to,
    source: plan.table === 'cost_data' ? ('raw' as const) : ('rollup' as const),
    source_table: plan.table,
  };
}

function questionOf(query: z.infer<typeof costQuestionQuery>, now: Date): CostQuestion {
  return { groupBy: query.group_by, granularity: query.granularity, range: rangeOrCurrentMonth(query, now), filters: filtersOf(query) };
}

export const costsRoutes: FastifyPluginAsyncZod<CostsRoutesOptions> = async (app, { rawRetentionMonths }) => {
  // Months restored from their archive are looked up only for a range reaching past the raw horizon.
  const plan = async (request: FastifyRequest, question: CostQuestion, now: Date) => {
    const rawFrom = utcDay(retentionCutoff(now, rawRetentionMonths));
    const restoredMonths = question.range.from < rawFrom ? new Set(await request.withTenant(restoredArchiveMonths)) : undefined;
    return planCostQuery(question, { rawFrom, restoredMonths });
  };

  app.get(
    '/costs/aggregates',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: "The organisation's spend this month, per day, and against last month",
        tags,
        response: { 200: aggregatesSchema },
      },
    },
    async (request) => {
      const row = await request.withTenant((trx) =>
        sql<{ aggregates: z.infer<typeof aggregatesSchema> }>`select costs_aggregates() as aggregates`.execute(trx),
      );
      return row.rows[0]!.aggregates;
    },
  );

  app.get(
    '/costs/breakdown',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: 'Spend per period, grouped by any dimensions, filtered',
        description:
          'One item per period, value of each group_by dimension and currency, ordered by period, then amount ' +
          '(largest first), then the group values and currency; paginated with limit and cursor. ' +
          sourcesNote,
        tags,
        querystring: breakdownQuery,
        response: { 200: breakdownSchema },
      },
    },
    async (request) => {
      const { limit, cursor, ...query } = request.query;
      const now = new Date();
      const costs = await plan(request, questionOf(query, now), now);
      const after = decodeKeyset(cursor, costs.groupBy.length);
      const { rows, estimated } = await request.withTenant(async (trx) => ({
        rows: (await orderedCostRows(costs, { after, limit }).execute(trx)).rows,
        estimated: await estimatedDays(trx, costs.range, costs.filters),
      }));
      const page = rows.slice(0, limit);
      return {
        ...answered(costs),
        granularity: costs.granularity,
        group_by: [...costs.groupBy],
        items: page.map((row) => ({
          period: row.period,
          group: Object.fromEntries(costs.groupBy.map((dimension, index) => [dimension, valueOf(dimension, row.keys[index]!)])),
          currency: row.currency,
          amount: row.amount,
        })),
        next_cursor: rows.length > limit ? encodeKeyset(page.at(-1)!) : null,
        estimated_days: estimated,
      };
    },
  );

  app.get(
    '/costs/export',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: 'The breakdown as a CSV file',
        description:
          'The same question as GET /v1/costs/breakdown, every row at once (no pagination), streamed as CSV with a ' +
          'header row: period, each group_by entry, currency, amount (empty for no service, region or resource). ' +
          sourcesNote,
        tags,
        querystring: costQuestionQuery,
        produces: ['text/csv'],
        response: { 200: z.string().describe('text/csv') },
      },
    },
    async (request, reply) => {
      const now = new Date();
      const costs = await plan(request, questionOf(request.query, now), now);
      const { from, to } = costs.range;
      await request.withTenant(async (trx) => {
        const rows = await readInBatches(trx, orderedCostRows(costs));
        const csv = stringify({ header: true, columns: ['period', ...costs.groupBy, 'currency', 'amount'] });
        const lines = Readable.from(
          (async function* () {
            for await (const row of rows) yield [row.period, ...row.keys, row.currency, row.amount];
          })(),
        );
        const sent = pipeline(lines, csv);
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="costs_${from}_${to}.csv"`)
          // Typed by the documented response (text); fastify sends a stream as it is, unserialised.
          .send(csv as unknown as string);
        // The cursor lives in this transaction: it stays open until the last row is sent or the client goes.
        await sent.catch((error: unknown) => request.log.warn({ err: error }, 'cost export ended early'));
      });
      return reply;
    },
  );

  app.get(
    '/costs/top',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: 'The largest spenders by one dimension',
        description:
          'The `limit` largest values of `by` over the range (default: the current month), per currency, largest ' +
          'first. Resources are told apart per account and named from the inventory where it knows them. ' +
          sourcesNote,
        tags,
        querystring: topQuery,
        response: { 200: topSchema },
      },
    },
    async (request) => {
      const { by, limit, ...query } = request.query;
      const now = new Date();
      const costs = await plan(request, { groupBy: topGroupBy(by), granularity: 'total', range: rangeOrCurrentMonth(query, now), filters: filtersOf(query) }, now);
      const { rows } = await request.withTenant((trx) => topCostRows(costs, limit).execute(trx));
      const withAccount = by === 'account' || by === 'resource';
      return {
        by,
        ...answered(costs),
        items: rows.map((row) => ({
          value: valueOf(by, row.keys.at(-1)!),
          cloud_account_id: withAccount ? row.keys[0]! : null,
          name: row.name,
          type: row.type,
          currency: row.currency,
          amount: row.amount,
        })),
      };
    },
  );

  app.get(
    '/costs/forecast',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: "This month's spend so far and its month-end forecast",
        description:
          'A linear run-rate over the elapsed days of the current UTC month, per currency: days_elapsed runs from ' +
          'the 1st through the last complete day (before today) with spend, daily_run_rate = spend_to_date / ' +
          'days_elapsed, and forecast = spend_to_date + daily_run_rate × the remaining days of the month. Today, ' +
          "still being billed, is left out. A budget's current_period.forecast and its forecast thresholds use the same rule. " +
          'With the previous month total for comparison. Filters as for breakdown.',
        tags,
        querystring: costFiltersQuery,
        response: { 200: forecastSchema },
      },
    },
    async (request) => {
      const now = new Date();
      const ranges = forecastRanges(now);
      const filters = filtersOf(request.query);
      const days = ranges.days && (await plan(request, { groupBy: [], granularity: 'day', range: ranges.days, filters }, now));
      const previous = await plan(request, { groupBy: [], granularity: 'total', range: ranges.previous, filters }, now);
      const [dayRows, previousRows] = await request.withTenant(async (trx) => [
        days ? (await orderedCostRows(days).execute(trx)).rows : [],
        (await orderedCostRows(previous).execute(trx)).rows,
      ]);
      return monthForecast(now, dayRows, previousRows);
    },
  );
};
