import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '@stratus/db';

/**
 * Which lines of one account and period to add to (or take out of) the rollups:
 * - `import`: the lines of one import;
 * - `replaced`: the counted lines another import is about to replace;
 * - `counted`: every line that counts (applied imports), for rebuilding a month.
 * Lines of an import still receiving (or abandoned) never count.
 */
export interface LineSelection {
  cloud_account_id: string;
  period: { start: Date; end: Date };
  lines: { kind: 'import'; import_id: string } | { kind: 'replaced'; import_id: string } | { kind: 'counted' };
}

const counted = sql`not exists (
  select 1 from cost_import_progress p where p.import_id = c.import_id and p.status <> 'applied'
)`;

export function whereLines(selection: LineSelection): RawBuilder<boolean> {
  const base = sql`c.cloud_account_id = ${selection.cloud_account_id}::uuid
    and c."timestamp" >= ${selection.period.start}::timestamptz and c."timestamp" < ${selection.period.end}::timestamptz`;
  const { lines } = selection;
  switch (lines.kind) {
    case 'import':
      return sql<boolean>`${base} and c.import_id = ${lines.import_id}::uuid`;
    case 'replaced':
      return sql<boolean>`${base} and c.import_id is distinct from ${lines.import_id}::uuid and ${counted}`;
    case 'counted':
      return sql<boolean>`${base} and ${counted}`;
  }
}

/**
 * Adds the selected lines to every rollup (sign 1) or takes them out (sign -1): day and month totals
 * per account/service/region, per tag, and month totals per resource. Each statement aggregates the
 * lines to days first, so months are summed from days, not re-read from the lines.
 */
export async function addToRollups(trx: Transaction<Database>, selection: LineSelection, sign: 1 | -1): Promise<void> {
  const where = whereLines(selection);
  await sql`
    with days as (
      select c.organization_id, (c."timestamp" at time zone 'UTC')::date as day, c.cloud_account_id, c.provider,
             coalesce(c.service, '') as service, coalesce(c.region, '') as region, c.currency,
             sum(c.amount) as amount, count(*) as lines
        from cost_data c
       where ${where}
       group by 1, 2, 3, 4, 5, 6, 7
    ), periods as (
      select organization_id, 'day' as granularity, day as period_start, cloud_account_id, provider, service, region,
             currency, amount, lines
        from days
      union all
      select organization_id, 'month', date_trunc('month', day)::date, cloud_account_id, provider, service, region,
             currency, sum(amount), sum(lines)
        from days
       group by organization_id, date_trunc('month', day), cloud_account_id, provider, service, region, currency
    )
    insert into cost_rollups as r (organization_id, granularity, period_start, cloud_account_id, provider, service, region,
                                   currency, amount, lines)
    select organization_id, granularity, period_start, cloud_account_id, provider, service, region, currency,
           ${sign}::integer * amount, ${sign}::integer * lines
      from periods
    on conflict (organization_id, granularity, period_start, cloud_account_id, service, region, currency)
    do update set amount = r.amount + excluded.amount, lines = r.lines + excluded.lines
  `.execute(trx);
  await sql`
    with days as (
      select c.organization_id, (c."timestamp" at time zone 'UTC')::date as day, t.key as tag_key, t.value as tag_value,
             c.cloud_account_id, c.provider, coalesce(c.service, '') as service, c.currency,
             sum(c.amount) as amount, count(*) as lines
        from cost_data c
       cross join lateral jsonb_each_text(c.dimensions -> 'tags') as t(key, value)
       where ${where}
       group by 1, 2, 3, 4, 5, 6, 7, 8
    ), periods as (
      select organization_id, 'day' as granularity, day as period_start, tag_key, tag_value, cloud_account_id, provider,
             service, currency, amount, lines
        from days
      union all
      select organization_id, 'month', date_trunc('month', day)::date, tag_key, tag_value, cloud_account_id, provider,
             service, currency, sum(amount), sum(lines)
        from days
       group by organization_id, date_trunc('month', day), tag_key, tag_value, cloud_account_id, provider, service, currency
    )
    insert into cost_tag_rollups as r (organization_id, granularity, period_start, tag_key, tag_value, cloud_account_id,
                                       provider, service, currency, amount, lines)
    select organization_id, granularity, period_start, tag_key, tag_value, cloud_account_id, provider, service, currency,
           ${sign}::integer * amount, ${sign}::integer * lines
      from periods
    on conflict (organization_id, granularity, period_start, tag_key, tag_value, cloud_account_id, service, currency)
    do update set amount = r.amount + excluded.amount, lines = r.lines + excluded.lines
  `.execute(trx);
  await sql`
    insert into cost_resource_rollups as r (organization_id, month, cloud_account_id, provider, provider_resource_id,
                                            service, region, currency, amount, lines)
    select c.organization_id, date_trunc('month', c."timestamp" at time zone 'UTC')::date, c.cloud_account_id, c.provider,
           coalesce(c.provider_resource_id, ''), coalesce(c.service, ''), coalesce(c.region, ''), c.currency,
           ${sign}::integer * sum(c.amount), ${sign}::integer * count(*)
      from cost_data c
     where ${where}
     group by 1, 2, 3, 4, 5, 6, 7, 8
    on conflict (organization_id, month, cloud_account_id, provider_resource_id, service, region, currency)
    do update set amount = r.amount + excluded.amount, lines = r.lines + excluded.lines
  `.execute(trx);
  if (sign === -1) await dropEmptyRollups(trx, selection);
}

/** Rollup rows whose every line was taken out are deleted rather than kept at zero. */
async function dropEmptyRollups(trx: Transaction<Database>, selection: LineSelection): Promise<void> {
  const firstMonth = sql`date_trunc('month', ${selection.period.start}::timestamptz at time zone 'UTC')::date`;
  const end = sql`(${selection.period.end}::timestamptz at time zone 'UTC')::date`;
  for (const table of ['cost_rollups', 'cost_tag_rollups'] as const) {
    await sql`
      delete from ${sql.table(table)}
       where cloud_account_id = ${selection.cloud_account_id}::uuid and lines = 0
         and period_start >= ${firstMonth} and period_start <= ${end}
    `.execute(trx);
  }
  await sql`
    delete from cost_resource_rollups
     where cloud_account_id = ${selection.cloud_account_id}::uuid and lines = 0 and month >= ${firstMonth} and month <= ${end}
  `.execute(trx);
}

/** Takes one month of an account out of every rollup, before it is rebuilt from its lines. */
export async function clearRollupMonth(trx: Transaction<Database>, cloudAccountId: string, month: string): Promise<void> {
  const range = sql`period_start >= ${month}::date and period_start < (${month}::date + interval '1 month')::date`;
  for (const table of ['cost_rollups', 'cost_tag_rollups'] as const) {
    await sql`delete from ${sql.table(table)} where cloud_account_id = ${cloudAccountId}::uuid and ${range}`.execute(trx);
  }
  await sql`delete from cost_resource_rollups where cloud_account_id = ${cloudAccountId}::uuid and month = ${month}::date`.execute(trx);
}
