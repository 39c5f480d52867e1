import { sql, type RawBuilder, type Transaction } from 'kysely';
import { withoutPlanMethods, type Database } from '@stratus/db';

/**
 * Which lines of one account and period to read:
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

/** What a statement handing lines to addLines returns of each cost_data row. */
const SUMMED_COLUMNS = sql.raw(
  `organization_id, cloud_account_id, provider, "timestamp", service, region, currency, amount, provider_resource_id, dimensions -> 'tags' as tags`,
);

const addToRow = sql`do update set amount = r.amount + excluded.amount, lines = r.lines + excluded.lines`;

/**
 * Adds lines to every rollup (sign 1) or takes them out (sign -1): day and month totals per
 * account/service/region, per tag, and month totals per resource. `lines` is one statement returning
 * SUMMED_COLUMNS (a select of cost_data, or the delete that removes the lines), so the lines are read
 * once for all three rollups, by the statement that selects or removes them. Each rollup is
 * aggregated to days first, so months are summed from days, not re-read from the lines.
 */
/** Adds the selected lines to every rollup. */
export async function addSelectedLines(trx: Transaction<Database>, selection: LineSelection): Promise<void> {
  await addLines(trx, sql`select ${SUMMED_COLUMNS} from cost_data c where ${whereLines(selection)}`, 1);
}

/**
 * Deletes the selected lines and takes them out of every rollup, in one read: the delete itself
 * hands the lines it removed to the rollups. Rollup rows left with no line go too.
 */
export async function removeLines(trx: Transaction<Database>, selection: LineSelection): Promise<void> {
  await addLines(trx, sql`delete from cost_data c where ${whereLines(selection)} returning ${SUMMED_COLUMNS}`, -1);
  await dropEmptyRollups(trx, selection);
}

async function addLines(trx: Transaction<Database>, lines: RawBuilder<unknown>, sign: 1 | -1): Promise<void> {
  // The planner cannot know how few tag sets a CTE's lines have: it expects about as many groups
  // as lines, and sorts every line on disk to group them (for a million lines, 160 MB spilled and
  // 2.4 s of a 5.7 s statement) where a hash table of a few thousand tag sets takes 0.9 s in memory.
  // Sorting is off for this statement only, then as it was; hash aggregation spills to disk itself
  // should it ever need more than hash_mem.
  await withoutPlanMethods(trx, ['enable_sort'], () => sql`
    with lines as (${lines}),
    days as (
      select organization_id, ("timestamp" at time zone 'UTC')::date as day, cloud_account_id, provider,
             coalesce(service, '') as service, coalesce(region, '') as region, currency, sum(amount) as amount, count(*) as lines
        from lines
       group by 1, 2, 3, 4, 5, 6, 7
    ), totals as (
      insert into cost_rollups as r (organization_id, granularity, period_start, cloud_account_id, provider, service, region,
                                     currency, amount, lines)
      select organization_id, 'day', day, cloud_account_id, provider, service, region, currency,
             ${sign}::integer * amount, ${sign}::integer * lines
        from days
      union all
      select organization_id, 'month', date_trunc('month', day)::date, cloud_account_id, provider, service, region,
             currency, ${sign}::integer * sum(amount), ${sign}::integer * sum(lines)
        from days
       group by organization_id, date_trunc('month', day), cloud_account_id, provider, service, region, currency
      on conflict (organization_id, granularity, period_start, cloud_account_id, service, region, currency) ${addToRow}
    ), tag_set_days as (
      -- Lines share a few tag sets: each set is expanded into its tags once, not once per line.
      select organization_id, ("timestamp" at time zone 'UTC')::date as day, cloud_account_id, provider,
             coalesce(service, '') as service, currency, tags, sum(amount) as amount, count(*) as lines
        from lines
       group by 1, 2, 3, 4, 5, 6, 7
    ), tag_days as (
      select s.organization_id, s.day, t.key as tag_key, t.value as tag_value, s.cloud_account_id, s.provider, s.service,
             s.currency, sum(s.amount) as amount, sum(s.lines) as lines
        from tag_set_days s
       cross join lateral jsonb_each_text(s.tags) as t(key, value)
       group by 1, 2, 3, 4, 5, 6, 7, 8
    ), tags as (
      insert into cost_tag_rollups as r (organization_id, granularity, period_start, tag_key, tag_value, cloud_account_id,
                                         provider, service, currency, amount, lines)
      select organization_id, 'day', day, tag_key, tag_value, cloud_account_id, provider, service, currency,
             ${sign}::integer * amount, ${sign}::integer * lines
        from tag_days
      union all
      select organization_id, 'month', date_trunc('month', day)::date, tag_key, tag_value, cloud_account_id, provider,
             service, currency, ${sign}::integer * sum(amount), ${sign}::integer * sum(lines)
        from tag_days
       group by organization_id, date_trunc('month', day), tag_key, tag_value, cloud_account_id, provider, service, currency
      on conflict (organization_id, granularity, period_start, tag_key, tag_value, cloud_account_id, service, currency) ${addToRow}
    ), resources as (
      insert into cost_resource_rollups as r (organization_id, month, cloud_account_id, provider, provider_resource_id,
                                              service, region, currency, amount, lines)
      select organization_id, date_trunc('month', "timestamp" at time zone 'UTC')::date, cloud_account_id, provider,
             coalesce(provider_resource_id, ''), coalesce(service, ''), coalesce(region, ''), currency,
             ${sign}::integer * sum(amount), ${sign}::integer * count(*)
        from lines
       group by 1, 2, 3, 4, 5, 6, 7, 8
      on conflict (organization_id, month, cloud_account_id, provider_resource_id, service, region, currency) ${addToRow}
    )
    select 1
  `.execute(trx));
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
