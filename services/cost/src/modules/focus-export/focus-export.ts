import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { ColumnSource } from 'hyparquet-writer';
import { sql, type RawBuilder, type Transaction } from 'kysely';
import { toUnits, type CloudProvider, type Database } from '@stratus/db';
import { amountColumn, ParquetStream, textColumn } from '../../parquet-stream.ts';
import { readInBatches } from '../costs/costs.queries.ts';

export const FOCUS_EXPORT_FORMATS = ['csv', 'parquet'] as const;
export type FocusExportFormat = (typeof FOCUS_EXPORT_FORMATS)[number];

/** Which counted lines to export: [from, to) by charge period start, and optionally some accounts. */
export interface FocusSelection {
  from: string;
  to: string;
  accounts?: string[];
}

interface ExportedLine {
  id: string;
  organization_id: string;
  cloud_account_id: string;
  resource_id: string | null;
  import_id: string | null;
  provider: CloudProvider;
  billed_cost: string;
  effective_cost: string;
  list_cost: string;
  currency: string;
  charge_period_start: string;
  charge_period_end: string;
  billing_period_start: string;
  billing_period_end: string;
  service: string | null;
  service_category: string;
  charge_category: string;
  region: string | null;
  provider_resource_id: string | null;
  tags: string;
  account_id: string;
  account_name: string;
}

/** As FOCUS names the providers; the importer reads each back (providerOf of @stratus/cloud). */
const PROVIDER_NAMES: Record<CloudProvider, string> = { AWS: 'Amazon Web Services', AZURE: 'Microsoft', GCP: 'Google Cloud' };

type Cell = string | null;
type Amount = { amount: string };

/**
 * FOCUS 1.2 columns of an export, in order: the mandatory ones (null where Stratus does not know
 * the value: ChargeClass, ChargeDescription, PricingQuantity, PricingUnit, BillingAccountType),
 * the conditional ones it keeps, then Stratus's own ids as x_ columns. Amounts are kept as `amount`
 * so the Parquet writer can store them as exact decimals.
 */
const COLUMNS: [name: string, cell: (line: ExportedLine) => Cell | Amount][] = [
  ['BilledCost', (line) => ({ amount: line.billed_cost })],
  ['EffectiveCost', (line) => ({ amount: line.effective_cost })],
  ['ListCost', (line) => ({ amount: line.list_cost })],
  // Stratus keeps no negotiated price of its own: the contracted cost is the list cost.
  ['ContractedCost', (line) => ({ amount: line.list_cost })],
  ['BillingAccountId', (line) => line.account_id],
  ['BillingAccountName', (line) => line.account_name],
  ['BillingAccountType', () => null],
  ['BillingCurrency', (line) => line.currency],
  ['BillingPeriodStart', (line) => line.billing_period_start],
  ['BillingPeriodEnd', (line) => line.billing_period_end],
  ['ChargeCategory', (line) => line.charge_category],
  ['ChargeClass', () => null],
  ['ChargeDescription', () => null],
  ['ChargePeriodStart', (line) => line.charge_period_start],
  ['ChargePeriodEnd', (line) => line.charge_period_end],
  ['InvoiceIssuerName', (line) => PROVIDER_NAMES[line.provider]],
  ['ProviderName', (line) => PROVIDER_NAMES[line.provider]],
  ['PublisherName', (line) => PROVIDER_NAMES[line.provider]],
  ['PricingQuantity', () => null],
  ['PricingUnit', () => null],
  ['ServiceCategory', (line) => line.service_category],
  ['ServiceName', (line) => line.service ?? ''],
  ['SubAccountId', (line) => line.account_id],
  ['SubAccountName', (line) => line.account_name],
  ['RegionId', (line) => line.region],
  ['ResourceId', (line) => line.provider_resource_id],
  ['Tags', (line) => line.tags],
  ['x_StratusLineId', (line) => line.id],
  ['x_StratusOrganizationId', (line) => line.organization_id],
  ['x_StratusCloudAccountId', (line) => line.cloud_account_id],
  ['x_StratusResourceId', (line) => line.resource_id],
  ['x_StratusImportId', (line) => line.import_id],
];
const AMOUNT_COLUMNS = new Set(['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost']);
const OPTIONAL_COLUMNS = new Set(['BillingAccountType', 'ChargeClass', 'ChargeDescription', 'PricingQuantity', 'PricingUnit', 'RegionId', 'ResourceId', 'x_StratusResourceId', 'x_StratusImportId']);
export const FOCUS_EXPORT_COLUMNS = COLUMNS.map(([name]) => name);

/** ISO 8601 in UTC, to the microsecond PostgreSQL keeps when there is one. */
const isoText = (instant: RawBuilder<unknown>) =>
  sql`to_char(${instant} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
      || case when extract(microseconds from ${instant})::integer % 1000000 <> 0 then to_char(${instant} at time zone 'UTC', '.US') else '' end || 'Z'`;

const chargePeriodEnd = sql`case c.granularity when 'hourly' then c."timestamp" + interval '1 hour'
  when 'daily' then c."timestamp" + interval '1 day'
  else (date_trunc('month', c."timestamp" at time zone 'UTC') + interval '1 month') at time zone 'UTC' end`;
const billingMonth = sql`date_trunc('month', c."timestamp" at time zone 'UTC')`;

/** Counted lines of the selection with what FOCUS asks of each, in id order (a server-side cursor). */
function selectLines(selection: FocusSelection) {
  return sql<ExportedLine>`
    select c.id::text, c.organization_id::text, c.cloud_account_id::text, c.resource_id::text, c.import_id::text, c.provider::text,
           stratus_amount_text(c.amount) as billed_cost,
           coalesce(c.dimensions ->> 'effective_cost', stratus_amount_text(c.amount)) as effective_cost,
           coalesce(c.dimensions ->> 'list_cost', stratus_amount_text(c.amount)) as list_cost,
           c.currency::text, ${isoText(sql`c."timestamp"`)} as charge_period_start, ${isoText(chargePeriodEnd)} as charge_period_end,
           to_char(${billingMonth}, 'YYYY-MM-DD"T"00:00:00"Z"') as billing_period_start,
           to_char(${billingMonth} + interval '1 month', 'YYYY-MM-DD"T"00:00:00"Z"') as billing_period_end, c.service,
           coalesce(c.dimensions ->> 'service_category', 'Other') as service_category,
           coalesce(c.dimensions ->> 'charge_category', 'Usage') as charge_category,
           c.region, c.provider_resource_id, coalesce(c.dimensions -> 'tags', '{}')::text as tags,
           a.account_id, a.name as account_name
      from cost_data c
      join cloud_accounts a on a.id = c.cloud_account_id
     where c."timestamp" >= ${`${selection.from}T00:00:00Z`}::timestamptz and c."timestamp" < ${`${selection.to}T00:00:00Z`}::timestamptz
       and not exists (select 1 from cost_import_progress p where p.import_id = c.import_id and p.status <> 'applied')
       ${selection.accounts?.length ? sql`and c.cloud_account_id = any(${selection.accounts}::uuid[])` : sql``}
     order by c.id
  `;
}

/** Lines per Parquet row group. */
const ROW_GROUP = 50_000;

export interface FocusExport {
  /** The file's bytes as they are produced. */
  body: Readable;
  /** Settles when the last byte was handed to `body`: rows written, or the error that ended it. */
  done: Promise<{ rows: number }>;
}

/**
 * The selection as a FOCUS file, streamed: the lines are read through a cursor in `trx`, which must
 * stay open until `done` settles.
 */
export async function exportFocus(trx: Transaction<Database>, selection: FocusSelection, format: FocusExportFormat): Promise<FocusExport> {
  const lines = await readInBatches(trx, selectLines(selection), 5_000);
  return format === 'csv' ? csvExport(lines) : parquetExport(lines);
}

function csvExport(lines: AsyncIterable<ExportedLine>): FocusExport {
  const csv = stringify({ header: true, columns: FOCUS_EXPORT_COLUMNS });
  let rows = 0;
  const records = Readable.from(
    (async function* () {
      for await (const line of lines) {
        rows += 1;
        yield COLUMNS.map(([, cell]) => {
          const value = cell(line);
          return value !== null && typeof value === 'object' ? value.amount : value;
        });
      }
    })(),
  );
  return { body: csv, done: pipeline(records, csv).then(() => ({ rows })) };
}

function parquetExport(lines: AsyncIterable<ExportedLine>): FocusExport {
  const parquet = new ParquetStream(
    COLUMNS.map(([name]) => (AMOUNT_COLUMNS.has(name) ? amountColumn(name) : textColumn(name, OPTIONAL_COLUMNS.has(name)))),
    'stratus focus export',
  );
  const flush = (group: ExportedLine[]) =>
    parquet.write(
      COLUMNS.map(([name, cell]): ColumnSource => ({
        name,
        data: group.map((line) => {
          const value = cell(line);
          return value !== null && typeof value === 'object' ? toUnits(value.amount) : value;
        }),
      })),
    );
  const done = (async () => {
    let group: ExportedLine[] = [];
    for await (const line of lines) {
      group.push(line);
      if (group.length === ROW_GROUP) {
        await flush(group);
        group = [];
      }
    }
    await flush(group);
    await parquet.finish();
    return { rows: parquet.rows };
  })();
  done.catch((error: unknown) => parquet.body.destroy(error as Error));
  return { body: parquet.body, done };
}
