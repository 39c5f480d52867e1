import type { CostPeriod, FocusCostRow } from '../adapter.ts';
import { coveringDays, dayStart, dayWindows, decimalString, nextDayStart, serviceCategory } from '../live/focus.ts';
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

/**
 * Daily cost per resource and service from the Cost Management Query API: the ActualCost query
 * gives what is billed, the AmortizedCost query what the usage effectively cost once reservations
 * and savings plans are spread over it. The two are joined on day, resource, service and currency;
 * a line found in one only (a reservation purchase, its amortised usage) keeps 0 for the other.
 *
 * The API groups by two dimensions at most, so lines carry resource and service but not the
 * location (the resource's region is in the inventory) nor tags or charge type, which the FOCUS
 * exports carry (imported as files).
 */
export async function* fetchAzureCosts(ctx: AzureContext, period: CostPeriod, signal: AbortSignal | undefined): AsyncGenerator<FocusCostRow[]> {
  const { from, to } = coveringDays(period);
  for (const window of dayWindows(from, to, MAX_DAYS_PER_QUERY)) {
    const billed = new Map<string, CostLine>();
    for await (const lines of query(ctx, 'ActualCost', window, signal)) {
      for (const line of lines) billed.set(key(line), line);
    }
    for await (const lines of query(ctx, 'AmortizedCost', window, signal)) {
      const rows = lines.map((line) => {
        const actual = billed.get(key(line));
        billed.delete(key(line));
        return costRow(ctx, line, actual?.cost ?? 0, line.cost);
      });
      if (rows.length > 0) yield rows;
    }
    const billedOnly = [...billed.values()].map((line) => costRow(ctx, line, line.cost, 0));
    if (billedOnly.length > 0) yield billedOnly;
  }
}

function key(line: CostLine): string {
  return `${line.day}|${line.resourceId}|${line.service}|${line.currency}`;
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
    if (page) yield costLines(page);
  }
}

/** Columns come by name, in an order the API does not promise; the cost column is named by account type. */
function costLines(result: QueryResult): CostLine[] {
  const { columns, rows } = result.properties;
  const index = (...names: string[]) => columns.findIndex((column) => names.includes(column.name));
  const cost = index('Cost', 'PreTaxCost');
  const date = index('UsageDate');
  const resource = index('ResourceId');
  const service = index('ServiceName');
  const currency = index('Currency');
  return rows.map((row) => {
    const day = String(row[date]);
    return {
      day: `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`,
      resourceId: normalizedId(String(row[resource] ?? '')),
      service: String(row[service] ?? ''),
      currency: String(row[currency] ?? 'USD'),
      cost: Number(row[cost] ?? 0),
    };
  });
}

function costRow(ctx: AzureContext, line: CostLine, billed: number, effective: number): FocusCostRow {
  const billedCost = decimalString(billed);
  return {
    charge_period_start: dayStart(line.day),
    charge_period_end: nextDayStart(line.day),
    billed_cost: billedCost,
    effective_cost: decimalString(effective),
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
  };
}
