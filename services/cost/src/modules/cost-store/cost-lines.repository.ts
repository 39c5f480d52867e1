import { sql, type Transaction } from 'kysely';
import type { CloudProvider, Database } from '@stratus/db';
import type { EventData } from '@stratus/events';

export type CostLine = EventData<'cost.ingested'>['rows'][number];

export interface CostLinesTarget {
  organization_id: string;
  cloud_account_id: string;
  provider: CloudProvider;
  import_id: string;
}

/**
 * Writes one batch of an import's lines with a single statement: the columns travel as arrays and
 * unnest back into rows, so a 1,000-line batch is one round trip and one plan. The dimensions travel
 * as one JSON array rather than a jsonb[]: an array literal of JSON texts is escaped element by
 * element here and unescaped again before each element is parsed there, which cost a fifth of the
 * statement's time; ROWS FROM zips the arrays and the JSON array's elements back into lines.
 * Lines are matched to the inventory by the provider's resource id (or the resource id a line
 * carries, if it names one the inventory holds); a line for a resource not (yet) discovered keeps
 * that id and no resource_id. amount is the billed cost, what the invoice says; the other FOCUS
 * amounts, and whether the provider still calls the line an estimate, stay in dimensions.
 */
export async function insertCostLines(trx: Transaction<Database>, target: CostLinesTarget, lines: readonly CostLine[]): Promise<void> {
  if (lines.length === 0) return;
  const n = lines.length;
  const timestamps = new Array<string>(n);
  const amounts = new Array<string>(n);
  const currencies = new Array<string>(n);
  const services = new Array<string>(n);
  const regions = new Array<string | null>(n);
  const granularities = new Array<string>(n);
  const resourceIds = new Array<string | null>(n);
  const providerResourceIds = new Array<string | null>(n);
  const dimensions = new Array<object>(n);
  let withResourceId = false;
  for (let i = 0; i < n; i += 1) {
    const line = lines[i]!;
    timestamps[i] = line.charge_period_start;
    amounts[i] = line.billed_cost;
    currencies[i] = line.currency;
    services[i] = line.service_name;
    regions[i] = line.region_id ?? null;
    granularities[i] = line.granularity;
    resourceIds[i] = line.resource_id ?? null;
    withResourceId ||= line.resource_id !== undefined;
    providerResourceIds[i] = line.provider_resource_id ?? null;
    dimensions[i] = {
      tags: line.tags,
      service_category: line.service_category,
      charge_category: line.charge_category,
      effective_cost: line.effective_cost,
      list_cost: line.list_cost,
      ...(line.sub_account_id !== undefined ? { sub_account_id: line.sub_account_id } : {}),
      // Kept only when true: applyImport reads it to record the import's estimated days.
      ...(line.estimated ? { estimated: true } : {}),
    };
  }
  await sql`
    insert into cost_data (organization_id, cloud_account_id, resource_id, provider, service, region, "timestamp",
                           amount, currency, granularity, dimensions, import_id, provider_resource_id)
    select ${target.organization_id}::uuid, ${target.cloud_account_id}::uuid,
           ${withResourceId ? sql`coalesce(by_provider_id.id, by_id.id)` : sql`by_provider_id.id`},
           ${target.provider}::cloud_provider, u.service, u.region, u.ts, u.amount, u.currency,
           u.granularity::cost_granularity, u.dimensions, ${target.import_id}::uuid, u.provider_resource_id
      from rows from (unnest(${timestamps}::timestamptz[]), unnest(${amounts}::numeric[]), unnest(${currencies}::text[]),
                      unnest(${services}::text[]), unnest(${regions}::text[]), unnest(${granularities}::text[]),
                      unnest(${resourceIds}::uuid[]), unnest(${providerResourceIds}::text[]),
                      jsonb_array_elements(${JSON.stringify(dimensions)}::jsonb))
           as u(ts, amount, currency, service, region, granularity, resource_id, provider_resource_id, dimensions)
      left join resources by_provider_id
        on by_provider_id.cloud_account_id = ${target.cloud_account_id}::uuid
       and by_provider_id.provider_resource_id = u.provider_resource_id
      ${withResourceId ? sql`left join resources by_id on by_id.id = u.resource_id` : sql``}
  `.execute(trx);
}

/** The first day (UTC, 'YYYY-MM-01') of every month the lines fall in. */
export function monthsOf(lines: readonly CostLine[]): string[] {
  // A batch's lines share a few charge periods: each distinct one is parsed once, not once a line.
  const starts = new Set<string>();
  for (const line of lines) starts.add(line.charge_period_start);
  const months = new Set<string>();
  for (const start of starts) months.add(`${new Date(start).toISOString().slice(0, 7)}-01`);
  return [...months];
}
