import { sql, type RawBuilder, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '@stratus/db';
import { AppError, cursorCodec, day, text } from '@stratus/http';
import { isTagDimension, tagKeyOf, type CostFilters, type CostPlan, type Dimension } from './cost-plan.ts';

/**
 * The one place cost questions become SQL: breakdown, export, top spenders and the forecast all
 * read through costRows, over whichever table the plan chose. Row-level security scopes every read
 * to the caller's organisation. Key columns are compared as the tables keep them ('' for no
 * service, region or resource), and returned as text.
 */

type Trx = Transaction<Database>;

/** Spend of one group: its period, its value per dimension of plan.groupBy (in that order), currency. */
export interface CostRow {
  period: string;
  keys: string[];
  currency: string;
  amount: string;
}

type Column = Exclude<Dimension, `tag:${string}`>;

interface Source {
  from: RawBuilder<unknown>;
  /** The row's day (raw lines) or period_start (rollups), a date. */
  period: RawBuilder<string>;
  columns: Partial<Record<Column, RawBuilder<string>>>;
  /** A tag's value, and what a row must satisfy for that value to be the tag's. */
  tag?: (key: string) => { value: RawBuilder<string>; condition: RawBuilder<boolean> };
  conditions: RawBuilder<boolean>[];
}

/** Key columns every source keeps under the same name. */
const commonColumns = {
  provider: sql<string>`s.provider`,
  account: sql<string>`s.cloud_account_id`,
  service: sql<string>`s.service`,
};

function sourceOf(plan: CostPlan): Source {
  const { from, to } = plan.range;
  switch (plan.table) {
    case 'cost_rollups':
    case 'cost_tag_rollups': {
      const conditions = [
        sql<boolean>`s.granularity = ${plan.rows}`,
        sql<boolean>`s.period_start >= ${from}::date`,
        sql<boolean>`s.period_start < ${to}::date`,
      ];
      if (plan.table === 'cost_rollups') {
        return { from: sql`cost_rollups s`, period: sql`s.period_start`, columns: { ...commonColumns, region: sql`s.region` }, conditions };
      }
      return {
        from: sql`cost_tag_rollups s`,
        period: sql`s.period_start`,
        columns: commonColumns,
        tag: (key) => ({ value: sql`s.tag_value`, condition: sql`s.tag_key = ${key}` }),
        conditions,
      };
    }
    case 'cost_resource_rollups':
      return {
        from: sql`cost_resource_rollups s`,
        period: sql`s.month`,
        columns: { ...commonColumns, region: sql`s.region`, resource: sql`s.provider_resource_id` },
        conditions: [sql`s.month >= ${from}::date`, sql`s.month < ${to}::date`],
      };
    case 'cost_data':
      return {
        from: sql`cost_data s`,
        period: sql`(s."timestamp" at time zone 'UTC')::date`,
        columns: {
          ...commonColumns,
          service: sql`coalesce(s.service, '')`,
          region: sql`coalesce(s.region, '')`,
          resource: sql`coalesce(s.provider_resource_id, '')`,
        },
        tag: (key) => {
          const value = sql<string>`(s.dimensions -> 'tags' ->> ${key})`;
          return { value, condition: sql`${value} is not null` };
        },
        conditions: [
          sql`s."timestamp" >= ${`${from}T00:00:00Z`}::timestamptz`,
          sql`s."timestamp" < ${`${to}T00:00:00Z`}::timestamptz`,
          // Lines of an import still arriving (or abandoned) count nowhere, as in the rollups.
          sql`not exists (select 1 from cost_import_progress p where p.import_id = s.import_id and p.status <> 'applied')`,
        ],
      };
  }
}

function tagOf(source: Source, key: string) {
  if (!source.tag) throw new Error(`costRows: the plan's source keeps no tags (tag ${key})`);
  return source.tag(key);
}

function columnOf(source: Source, column: Column): RawBuilder<string> {
  const expression = source.columns[column];
  if (!expression) throw new Error(`costRows: the plan's source keeps no ${column}`);
  return expression;
}

/** The plan's groups with their spend, unordered: one row per period, key values and currency. */
export function costRows(plan: CostPlan): RawBuilder<CostRow> {
  const source = sourceOf(plan);
  const conditions = [...source.conditions];
  const keys = plan.groupBy.map((dimension) => {
    if (!isTagDimension(dimension)) return columnOf(source, dimension);
    const tag = tagOf(source, tagKeyOf(dimension));
    conditions.push(tag.condition);
    return tag.value;
  });
  const { filters } = plan;
  for (const column of ['provider', 'account', 'service', 'region'] as const) {
    const value = filters[column];
    if (value !== undefined) conditions.push(sql`${columnOf(source, column)} = ${value}`);
  }
  for (const [key, value] of Object.entries(filters.tags ?? {})) {
    const tag = tagOf(source, key);
    conditions.push(tag.condition, sql`${tag.value} = ${value}`);
  }
  // Cost lines name a resource by its provider id, unique within its account: the lines of these resources.
  const linesOf = (resources: RawBuilder<unknown>) =>
    sql<boolean>`(s.cloud_account_id, ${columnOf(source, 'resource')}) in (select r.cloud_account_id, r.provider_resource_id from ${resources})`;
  if (filters.group !== undefined) {
    conditions.push(linesOf(sql`resource_group_memberships m join resources r on r.id = m.resource_id where m.resource_group_id = ${filters.group}::uuid`));
  }
  if (filters.resource !== undefined) conditions.push(linesOf(sql`resources r where r.id = ${filters.resource}::uuid`));
  const bucket = {
    day: source.period,
    month: sql`date_trunc('month', ${source.period})::date`,
    total: sql`${plan.range.from}::date`,
  }[plan.granularity];
  return sql<CostRow>`
    select ${bucket} as period, array[${sql.join(keys.map((key) => sql`${key}::text`))}]::text[] as keys,
           s.currency::text as currency, sum(s.amount) as amount
      from ${source.from}
     where ${sql.join(conditions, sql` and `)}
     group by 1, 2, 3
  `;
}

/** Where a page of a breakdown ended: the sort key of its last row. */
export type Keyset = CostRow;

/**
 * The plan's groups in breakdown order: period, then amount (largest first), then key values and
 * currency, which makes the order total. With a page: the `limit + 1` rows after `after`.
 */
export function orderedCostRows(plan: CostPlan, page?: { after: Keyset | undefined; limit: number }): RawBuilder<CostRow> {
  const after = page?.after;
  return sql<CostRow>`
    select b.period, b.keys, b.currency, stratus_amount_text(b.amount) as amount
      from (${costRows(plan)}) b
     ${
       after
         ? sql`where b.period > ${after.period}::date or (b.period = ${after.period}::date and (b.amount < ${after.amount}::numeric
                 or (b.amount = ${after.amount}::numeric and (b.keys, b.currency) > (${after.keys}::text[], ${after.currency}::text))))`
         : sql``
     }
     order by b.period, b.amount desc, b.keys, b.currency
     ${page ? sql`limit ${page.limit + 1}` : sql``}
  `;
}

const keyset = cursorCodec(
  z.tuple([day, z.string().regex(/^-?\d{1,20}(\.\d{1,12})?$/), z.string().max(3), z.array(text()).max(8)]),
  'start again without cursor (a cursor is valid only for the group_by it was returned with)',
);

/** Opaque to clients: base64url of the last row's sort key. */
export function encodeKeyset({ period, amount, currency, keys }: Keyset): string {
  return keyset.encode([period, amount, currency, keys]);
}

export function decodeKeyset(cursor: string | undefined, dimensions: number): Keyset | undefined {
  const decoded = keyset.decode(cursor);
  if (!decoded) return undefined;
  const [period, amount, currency, keys] = decoded;
  if (keys.length !== dimensions) {
    throw new AppError('invalid', 'cursor is not a next_cursor this API returned for this group_by; start again without cursor');
  }
  return { period, amount, currency, keys };
}

export interface TopRow {
  keys: string[];
  currency: string;
  amount: string;
  name: string | null;
  type: string | null;
}

/** How top spenders name a group: accounts by their name, resources by their inventory name and type. */
function labelsOf(groupBy: readonly Dimension[]) {
  if (groupBy.join() === 'account,resource') {
    return {
      join: sql`left join resources r on r.cloud_account_id = t.keys[1]::uuid and r.provider_resource_id = t.keys[2]`,
      name: sql<string | null>`r.name`,
      type: sql<string | null>`r.type`,
    };
  }
  const account = groupBy.join() === 'account';
  return {
    join: account ? sql`left join cloud_accounts r on r.id = t.keys[1]::uuid` : sql``,
    name: account ? sql<string | null>`r.name` : sql<string | null>`null::text`,
    type: sql<string | null>`null::text`,
  };
}

/**
 * The `limit` largest groups of each currency, largest first (plan grouped as topGroupBy says).
 */
export function topCostRows(plan: CostPlan, limit: number): RawBuilder<TopRow> {
  const labels = labelsOf(plan.groupBy);
  return sql<TopRow>`
    select t.keys, t.currency, stratus_amount_text(t.amount) as amount, ${labels.name} as name, ${labels.type} as type
      from (select b.*, row_number() over (partition by b.currency order by b.amount desc, b.keys) as rank
              from (${costRows(plan)}) b) t
      ${labels.join}
     where t.rank <= ${limit}
     order by t.currency, t.amount desc, t.keys
  `;
}

/**
 * Runs a query through a server-side cursor in the transaction: the first batch is read before
 * this resolves (so a failing query fails before anything is sent), the rest as the caller pulls.
 * The transaction must stay open until the iteration ends.
 */
export async function readInBatches<T>(trx: Trx, query: RawBuilder<T>, batch = 1_000): Promise<AsyncIterable<T>> {
  await sql`declare cost_rows no scroll cursor for ${query}`.execute(trx);
  const fetch = async () => (await sql<T>`fetch forward ${sql.lit(batch)} from cost_rows`.execute(trx)).rows;
  let rows = await fetch();
  return (async function* () {
    for (;;) {
      yield* rows;
      if (rows.length < batch) return;
      rows = await fetch();
    }
  })();
}

/**
 * The days of [from, to) whose cost is still the provider's estimate for an account the filters
 * take in (by account and provider: a day is estimated or final for a whole account).
 */
export async function estimatedDays(trx: Trx, range: { from: string; to: string }, filters: CostFilters): Promise<string[]> {
  const { rows } = await sql<{ day: string }>`
    select distinct e.day::text as day
      from cost_estimated_days e
      ${filters.provider ? sql`join cloud_accounts a on a.id = e.cloud_account_id and a.provider = ${filters.provider}::cloud_provider` : sql``}
     where e.day >= ${range.from}::date and e.day < ${range.to}::date
       ${filters.account ? sql`and e.cloud_account_id = ${filters.account}::uuid` : sql``}
     order by 1
  `.execute(trx);
  return rows.map((row) => row.day);
}
