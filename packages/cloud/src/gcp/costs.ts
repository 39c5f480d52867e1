import { CloudOperationError, type CostPeriod, type FocusCostRow } from '../adapter.ts';
import { billingMonthOpen, coveringDays, dayStart, nextDayStart, serviceCategory } from '../live/focus.ts';
import { tokenPages } from '../live/paging.ts';
import type { GcpContext } from './discovery.ts';

/** BigQuery returns at most this many rows a page in any case (10 MB). */
const ROWS_PER_PAGE = 10_000;

/**
 * settings.billing_export_table names the Cloud Billing export table in BigQuery, as
 * `project.dataset.table`:
 *  - gcp_billing_export_resource_v1_<BILLING_ACCOUNT> (detailed export): lines per resource;
 *  - gcp_billing_export_v1_<BILLING_ACCOUNT> (standard export): lines per service, no resource.
 * The query runs as a job in the account's project: the service account needs BigQuery Job User
 * there and BigQuery Data Viewer on the export's dataset (often in another project).
 */
const EXPORT_TABLE = /^([a-z][a-z0-9-]{4,28}[a-z0-9])\.(\w{1,1024})\.(gcp_billing_export_(resource_)?v1_\w+)$/;

interface ExportRow {
  usage_day: string;
  service_name: string;
  region: string | null;
  cost_type: string;
  currency: string;
  resource_name: string | null;
  labels: string | null;
  /** invoice.month, YYYYMM: the invoice the line is billed on. */
  invoice_month: string | null;
  billed_cost: string;
  effective_cost: string;
}

/**
 * Daily lines of the Cloud Billing export for this project. Amounts are summed as NUMERIC and
 * returned as strings, so no float arithmetic happens on the way. Credits (sustained and committed
 * use discounts, promotions) are negative amounts on the line: billed is the cost before them,
 * effective after them.
 *
 * The export says nothing final of a line: Cloud Billing appends rows as services report usage, at
 * varying intervals and with no latency guarantee, so a day's amounts keep growing after the day,
 * and usage reported after its invoice month has closed is billed on the next one (the line's
 * invoice.month). A line is therefore estimated while its invoice month is open at `now` (see
 * billingMonthOpen); the pull after the close replaces it with what the invoice holds.
 */
export async function* fetchGcpCosts(ctx: GcpContext, period: CostPeriod, now: Date, signal: AbortSignal | undefined): AsyncGenerator<FocusCostRow[]> {
  const table = exportTable(ctx);
  const { from, to } = coveringDays(period);
  const bigquery = await ctx.clients.bigquery();
  const [job] = await ctx.call(
    'bigquery:jobs.insert (billing export query)',
    () =>
      bigquery.createQueryJob({
        query: exportQuery(table.name, table.detailed),
        params: { project: ctx.account.account_id, start: bigquery.timestamp(`${from}T00:00:00Z`), end: bigquery.timestamp(`${to}T00:00:00Z`) },
        labels: { 'created-by': 'stratus' },
      }),
    { signal },
  );
  const pages = tokenPages(
    ctx.call,
    'bigquery:jobs.getQueryResults (billing export)',
    async (pageToken) => {
      // The first answer may come before the query is done: ask again until it is. Each ask waits at
      // BigQuery for up to its default timeoutMs (10 s), so the loop needs no pause of its own, but
      // it does need the signal: nothing else ends it for a query that never completes.
      for (;;) {
        const [rows, , response] = await untilAborted(
          job.getQueryResults({ autoPaginate: false, maxResults: ROWS_PER_PAGE, ...(pageToken ? { pageToken } : {}) }),
          signal,
        );
        if (response?.jobComplete !== false) return { rows: rows as ExportRow[], pageToken: response?.pageToken };
      }
    },
    (page) => page.pageToken || undefined,
    { signal },
  );
  for await (const page of pages) {
    if (page.rows.length > 0) yield page.rows.map((row) => costRow(ctx, row, now));
  }
}

/**
 * The promise, unless the signal aborts first (the BigQuery client takes no signal): a cancelled
 * pull does not wait out the answer in flight, which is left to settle unread.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function exportTable(ctx: GcpContext): { name: string; detailed: boolean } {
  const setting = ctx.account.settings.billing_export_table;
  const match = typeof setting === 'string' ? EXPORT_TABLE.exec(setting) : null;
  if (!match) {
    throw new CloudOperationError(
      `${ctx.label}: costs come from the Cloud Billing export in BigQuery; set settings.billing_export_table to its ` +
        '"project.dataset.gcp_billing_export_resource_v1_XXXXXX_XXXXXX_XXXXXX" table (or the standard gcp_billing_export_v1_ one)',
    );
  }
  return { name: setting as string, detailed: match[4] !== undefined };
}

/**
 * `table` is validated against EXPORT_TABLE; every value goes in as a query parameter.
 *
 * `labels` is a REPEATED RECORD<key, value> in the export, and BigQuery cannot group by an array:
 * the inner query turns each line's labels into one JSON text, sorted so that the same labels in
 * any order are the same group, and the outer query groups by that text (label_set, a name the
 * export does not use, so GROUP BY cannot resolve to the array column).
 */
export function exportQuery(table: string, detailed: boolean): string {
  const resource = detailed ? 'resource.global_name' : 'CAST(NULL AS STRING)';
  return `
SELECT
  usage_day,
  service_name,
  region,
  cost_type,
  currency,
  resource_name,
  label_set AS labels,
  invoice_month,
  CAST(SUM(cost_amount) AS STRING) AS billed_cost,
  CAST(SUM(cost_amount + credit_amount) AS STRING) AS effective_cost
FROM (
  SELECT
    FORMAT_TIMESTAMP('%F', usage_start_time, 'UTC') AS usage_day,
    service.description AS service_name,
    location.region AS region,
    cost_type,
    currency,
    ${resource} AS resource_name,
    TO_JSON_STRING(ARRAY(SELECT AS STRUCT label.key, label.value FROM UNNEST(labels) AS label ORDER BY label.key, label.value)) AS label_set,
    invoice.month AS invoice_month,
    CAST(cost AS NUMERIC) AS cost_amount,
    IFNULL((SELECT SUM(CAST(credit.amount AS NUMERIC)) FROM UNNEST(credits) AS credit), 0) AS credit_amount
  FROM \`${table}\`
  WHERE project.id = @project
    AND usage_start_time >= @start
    AND usage_start_time < @end
)
GROUP BY usage_day, service_name, region, cost_type, currency, resource_name, label_set, invoice_month
ORDER BY usage_day`;
}

/** The export's labels, a JSON array of {key, value}. */
function labelRecord(json: string | null): Record<string, string> {
  const labels = (json ? JSON.parse(json) : []) as { key: string; value: string }[];
  return Object.fromEntries(labels.map(({ key, value }) => [key, value]));
}

const CHARGE_CATEGORIES: Record<string, FocusCostRow['charge_category']> = {
  regular: 'Usage',
  tax: 'Tax',
  adjustment: 'Adjustment',
  'rounding error': 'Adjustment',
};

/** The line's invoice month as YYYY-MM; a line without one is taken to be billed in its usage month. */
function invoiceMonth(row: ExportRow): string {
  const month = /^(\d{4})(\d{2})$/.exec(row.invoice_month ?? '');
  return month ? `${month[1]}-${month[2]}` : row.usage_day.slice(0, 7);
}

function costRow(ctx: GcpContext, row: ExportRow, now: Date): FocusCostRow {
  return {
    charge_period_start: dayStart(row.usage_day),
    charge_period_end: nextDayStart(row.usage_day),
    billed_cost: row.billed_cost,
    effective_cost: row.effective_cost,
    // The export's list price column is not in every table version; FOCUS allows ListCost = BilledCost.
    list_cost: row.billed_cost,
    currency: row.currency,
    service_name: row.service_name,
    service_category: serviceCategory(row.service_name),
    ...(row.region ? { region_id: row.region } : {}),
    ...(row.resource_name ? { provider_resource_id: row.resource_name } : {}),
    sub_account_id: ctx.account.account_id,
    charge_category: CHARGE_CATEGORIES[row.cost_type] ?? 'Usage',
    tags: labelRecord(row.labels),
    granularity: 'daily',
    ...(billingMonthOpen(invoiceMonth(row), now) ? { estimated: true } : {}),
  };
}
