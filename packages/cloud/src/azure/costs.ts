import { CloudOperationError, type CostPeriod, type FocusCostRow } from '../adapter.ts';
import { chunk } from '../live/collections.ts';
import { billingPeriodOpen, coveringDays, dayStart, dayWindows, nextDayStart, picoDecimal, picoUnits, serviceCategory } from '../live/focus.ts';
import { billingPeriodStartDay } from '../live/options.ts';
import { tokenPages } from '../live/paging.ts';
import { normalizedId, type AzureContext } from './discovery.ts';

const API_VERSION = '2023-11-01';
/** The Query API answers daily granularity for 31 days at most. */
const MAX_DAYS_PER_QUERY = 31;

interface QueryResult {
  properties: { nextLink?: string | null; columns: { name: string; type: string }[]; rows: unknown[][] };
}

interface CostLine {
  day: string;
  resourceId: string;
  service: string;
  currency: string;
  cost: number;
}

/** A line's two amounts, summed over every answer row that shares its key. */
interface JoinedLine {
  line: CostLine;
  /** Exact sums, in picoUnits: floats would add binary noise to every sum. */
  billed: bigint;
  effective: bigint;
}

/** Rows handed on at a time: the caller re-batches, this only bounds the arrays. */
const ROWS_PER_YIELD = 1000;

/**
 * Daily cost per resource and service from the Cost Management Query API: the ActualCost query
 * gives what is billed, the AmortizedCost query what the usage effectively cost once reservations
 * and savings plans are spread over it. The two are joined on day, resource, service and currency;
 * a line found in one only (a reservation purchase, its amortised usage) keeps 0 for the other.
 * Answer rows sharing a key are summed, never overwritten: the API may leave out a grouping column
 * (a billing-account scope answers without ResourceId and ServiceName), and each of its rows still
 * costs money.
 *
 * The API groups by two dimensions at most, so lines carry resource and service but not the
 * location (the resource's region is in the inventory) nor tags or charge type, which the FOCUS
 * exports carry (imported as files).
 *
 * The Query API does not say which amounts are final. Microsoft documents the rule instead: costs
 * are estimated until the invoice is generated, and a billing period keeps changing until the fifth
 * day after it ends. Lines of a month still open at `now` (see billingMonthOpen) are marked
 * estimated, and the pull after the close replaces them. Billing periods are calendar months, as
 * they are for Enterprise Agreements, Microsoft Customer Agreements and CSP, unless the account's
 * settings.billing_period_start_day says otherwise: a pay-as-you-go subscription is billed from
 * its sign-up day, and its period closes mid-month.
 */
export async function* fetchAzureCosts(ctx: AzureContext, period: CostPeriod, now: Date, signal: AbortSignal | undefined): AsyncGenerator<FocusCostRow[]> {
  const { from, to } = coveringDays(period);
  for (const window of dayWindows(from, to, MAX_DAYS_PER_QUERY)) {
    const joined = new Map<string, JoinedLine>();
    const add = (line: CostLine, amount: 'billed' | 'effective') => {
      const key = `${line.day}|${line.resourceId}|${line.service}|${line.currency}`;
      const entry = joined.get(key) ?? { line, billed: 0n, effective: 0n };
      entry[amount] += picoUnits(line.cost);
      joined.set(key, entry);
    };
    for await (const lines of query(ctx, 'ActualCost', window, signal)) for (const line of lines) add(line, 'billed');
    for await (const lines of query(ctx, 'AmortizedCost', window, signal)) for (const line of lines) add(line, 'effective');
    const rows = [...joined.values()].map(({ line, billed, effective }) => costRow(ctx, line, billed, effective, now));
    yield* chunk(rows, ROWS_PER_YIELD);
  }
}

async function* query(
  ctx: AzureContext,
  type: 'ActualCost' | 'AmortizedCost',
  window: { from: string; to: string },
  signal: AbortSignal | undefined,
): AsyncGenerator<CostLine[]> {
  const lastDay = new Date(Date.parse(`${window.to}T00:00:00Z`) - 1).toISOString().slice(0, 10);
  const body = {
    type,
    timeframe: 'Custom',
    timePeriod: { from: `${window.from}T00:00:00Z`, to: `${lastDay}T23:59:59Z` },
    dataset: {
      granularity: 'Daily',
      aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
      grouping: [
        { type: 'Dimension', name: 'ResourceId' },
        { type: 'Dimension', name: 'ServiceName' },
      ],
    },
  };
  const first = `/subscriptions/${ctx.account.account_id}/providers/Microsoft.CostManagement/query?api-version=${API_VERSION}`;
  const pages = tokenPages(
    ctx.call,
    `Cost Management query (${type}, ${window.from}..${lastDay})`,
    // The next page is asked for by POSTing the same query to the nextLink.
    (nextLink) => ctx.clients.arm<QueryResult | undefined>('POST', nextLink ?? first, body, signal),
    (page) => page?.properties.nextLink ?? undefined,
    { signal },
  );
  for await (const page of pages) {
    if (page) yield costLines(ctx, type, page);
  }
}

/**
 * Columns come by name, in an order the API does not promise; the cost column is named by account
 * type. ResourceId and ServiceName are asked for, yet a scope may answer without them (the lines
 * then carry none); without a day, an amount or a currency a row means nothing, so their absence
 * is the provider's error, said as such.
 */
function costLines(ctx: AzureContext, type: string, result: QueryResult): CostLine[] {
  const { columns, rows } = result.properties;
  const index = (...names: string[]) => columns.findIndex((column) => names.includes(column.name));
  const required = (...names: string[]) => {
    const found = index(...names);
    if (found < 0) {
      throw new CloudOperationError(
        `${ctx.label}: the Cost Management ${type} answer has no ${names.join(' or ')} column ` +
          `(columns: ${columns.map((column) => column.name).join(', ') || 'none'})`,
      );
    }
    return found;
  };
  const cost = required('Cost', 'PreTaxCost');
  const date = required('UsageDate');
  const currency = required('Currency');
  const resource = index('ResourceId');
  const service = index('ServiceName');
  return rows.map((row) => {
    const day = /^(\d{4})(\d{2})(\d{2})$/.exec(String(row[date]));
    const amount = Number(row[cost]);
    if (!day || !Number.isFinite(amount)) {
      throw new CloudOperationError(`${ctx.label}: the Cost Management ${type} answer has a row without a valid UsageDate and cost: ${JSON.stringify(row)}`);
    }
    return {
      day: `${day[1]}-${day[2]}-${day[3]}`,
      resourceId: resource < 0 ? '' : normalizedId(String(row[resource] ?? '')),
      service: service < 0 ? '' : String(row[service] ?? ''),
      currency: String(row[currency]),
      cost: amount,
    };
  });
}

function costRow(ctx: AzureContext, line: CostLine, billed: bigint, effective: bigint, now: Date): FocusCostRow {
  const billedCost = picoDecimal(billed);
  return {
    charge_period_start: dayStart(line.day),
    charge_period_end: nextDayStart(line.day),
    billed_cost: billedCost,
    effective_cost: picoDecimal(effective),
    // The Query API has no list price; FOCUS allows ListCost to equal BilledCost when unknown.
    list_cost: billedCost,
    currency: line.currency,
    service_name: line.service,
    service_category: serviceCategory(line.service),
    // Lines for no resource (support plans, marketplace fees) come with an empty ResourceId.
    ...(line.resourceId ? { provider_resource_id: line.resourceId } : {}),
    sub_account_id: ctx.account.account_id,
    charge_category: 'Usage',
    tags: {},
    granularity: 'daily',
    ...(billingPeriodOpen(line.day, now, billingPeriodStartDay(ctx.account)) ? { estimated: true } : {}),
  };
}
