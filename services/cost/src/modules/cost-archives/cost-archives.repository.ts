import { sql, type Selectable, type Transaction } from 'kysely';
import { fromUnits, toUnits, type CostArchivesTable, type Database } from '@stratus/db';
import type { ArchivedLine } from './archive-file.ts';

export type CostArchive = Selectable<CostArchivesTable>;

/** Rows and sum of amounts per currency ({ USD: "12.500000" }, as fromUnits writes them), the manifest's and the table's check. */
export interface MonthTotals {
  rows: number;
  sums: Record<string, string>;
}

const monthRange = (month: string) =>
  sql`c."timestamp" >= (${month}::date at time zone 'UTC') and c."timestamp" < ((${month}::date + interval '1 month') at time zone 'UTC')`;

// Lines of an import still arriving (or abandoned) count nowhere: the archive keeps what the rollups hold.
const counted = sql`not exists (select 1 from cost_import_progress p where p.import_id = c.import_id and p.status <> 'applied')`;

/** One page of the tenant's counted lines of a month, in id order after `afterId`. */
export async function readLines(trx: Transaction<Database>, month: string, afterId: string | null, limit: number): Promise<ArchivedLine[]> {
  const { rows } = await sql<Record<keyof ArchivedLine, string | null>>`
    select c.id::text, c.organization_id::text, c.cloud_account_id::text, c.resource_id::text, c.provider::text, c.service, c.region,
           (extract(epoch from c."timestamp") * 1000000)::bigint::text as timestamp_us,
           c.amount::text as amount_units,
           c.currency::text, c.granularity::text, c.dimensions::text,
           (extract(epoch from c.created_at) * 1000000)::bigint::text as created_at_us,
           c.import_id::text, c.provider_resource_id
      from cost_data c
     where ${monthRange(month)} and ${counted} ${afterId === null ? sql`` : sql`and c.id > ${afterId}::uuid`}
     order by c.id
     limit ${limit}
  `.execute(trx);
  return rows.map((row) => ({
    ...(row as Record<keyof ArchivedLine, string> & Pick<ArchivedLine, 'resource_id' | 'service' | 'region' | 'import_id' | 'provider_resource_id'>),
    timestamp_us: BigInt(row.timestamp_us!),
    amount_units: toUnits(row.amount_units!),
    created_at_us: BigInt(row.created_at_us!),
  }));
}

/** What the tenant's counted lines of the month add up to, as PostgreSQL sums them. */
export async function monthTotals(trx: Transaction<Database>, month: string): Promise<MonthTotals> {
  const { rows } = await sql<{ currency: string; rows: string; amount: string }>`
    select c.currency::text, count(*)::text as rows, sum(c.amount)::text as amount
      from cost_data c
     where ${monthRange(month)} and ${counted}
     group by c.currency
     order by c.currency
  `.execute(trx);
  return {
    rows: rows.reduce((total, row) => total + Number(row.rows), 0),
    sums: Object.fromEntries(rows.map((row) => [row.currency, fromUnits(toUnits(row.amount))])),
  };
}

/**
 * Puts archived lines back into cost_data, each with its own id: a restore that stopped half way
 * and runs again adds only what is missing. A line's resource deleted since loses the reference,
 * as the resource's deletion would have done to it.
 */
export async function insertLines(trx: Transaction<Database>, lines: readonly ArchivedLine[]): Promise<void> {
  const column = <K extends keyof ArchivedLine>(key: K) => lines.map((line) => line[key]);
  const bigints = (key: 'timestamp_us' | 'created_at_us') => lines.map((line) => String(line[key]));
  await sql`
    insert into cost_data (id, organization_id, cloud_account_id, resource_id, provider, service, region, "timestamp", amount,
                           currency, granularity, dimensions, created_at, import_id, provider_resource_id)
    select l.id, l.organization_id, l.cloud_account_id, r.id, l.provider::cloud_provider, l.service, l.region,
           'epoch'::timestamptz + l.timestamp_us * interval '1 microsecond', l.amount,
           l.currency, l.granularity::cost_granularity, l.dimensions::jsonb,
           'epoch'::timestamptz + l.created_at_us * interval '1 microsecond', l.import_id, l.provider_resource_id
      from unnest(${column('id')}::uuid[], ${column('organization_id')}::uuid[], ${column('cloud_account_id')}::uuid[],
                  ${column('resource_id')}::uuid[], ${column('provider')}::text[], ${column('service')}::text[], ${column('region')}::text[],
                  ${bigints('timestamp_us')}::bigint[], ${lines.map((line) => fromUnits(line.amount_units))}::numeric[], ${column('currency')}::text[],
                  ${column('granularity')}::text[], ${column('dimensions')}::text[], ${bigints('created_at_us')}::bigint[],
                  ${column('import_id')}::uuid[], ${column('provider_resource_id')}::text[])
           as l(id, organization_id, cloud_account_id, resource_id, provider, service, region, timestamp_us, amount,
                currency, granularity, dimensions, created_at_us, import_id, provider_resource_id)
      left join resources r on r.id = l.resource_id
    on conflict (id, "timestamp") do nothing
  `.execute(trx);
}

export async function findArchive(trx: Transaction<Database>, month: string): Promise<CostArchive | undefined> {
  return trx.selectFrom('cost_archives').selectAll().where('month', '=', month).executeTakeFirst();
}

export async function listArchives(trx: Transaction<Database>): Promise<CostArchive[]> {
  return trx.selectFrom('cost_archives').selectAll().orderBy('month', 'desc').execute();
}

/** The months ('YYYY-MM-01') whose lines are back in cost_data from their archive. */
export async function restoredArchiveMonths(trx: Transaction<Database>): Promise<string[]> {
  const rows = await trx.selectFrom('cost_archives').select('month').where('status', '=', 'restored').execute();
  return rows.map((row) => row.month);
}
