import { GetCostAndUsageCommand, type Group, type GroupDefinition, type ResultByTime } from '@aws-sdk/client-cost-explorer';
import type { CostPeriod, FocusCostRow } from '../adapter.ts';
import { coveringDays, dayStart, serviceCategory } from '../live/focus.ts';
import { tokenPages } from '../live/paging.ts';
import type { AwsContext } from './discovery.ts';

/**
 * Daily cost per service and region from Cost Explorer, for this account only (a management
 * account would otherwise report its whole organisation, while each member is linked on its own).
 *
 * Cost Explorer groups by two dimensions at most and knows neither resources nor charge types:
 * the exact, resource-level lines come from the CUR / FOCUS exports, which the FOCUS importer reads
 * as files. This source is what an account without exports still gets.
 */
export async function* fetchAwsCosts(ctx: AwsContext, period: CostPeriod, signal: AbortSignal | undefined): AsyncGenerator<FocusCostRow[]> {
  const { from, to } = coveringDays(period);
  const client = ctx.clients.costExplorer();
  const pages = tokenPages(
    ctx.call,
    'ce:GetCostAndUsage',
    (token) =>
      client.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: from, End: to },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost', 'AmortizedCost'],
          GroupBy: [
            { Type: 'DIMENSION', Key: 'SERVICE' },
            { Type: 'DIMENSION', Key: 'REGION' },
          ],
          Filter: { Dimensions: { Key: 'LINKED_ACCOUNT', Values: [ctx.account.account_id] } },
          NextPageToken: token,
        }),
        { abortSignal: signal },
      ),
    (page) => page.NextPageToken,
    { signal },
  );
  for await (const page of pages) {
    const keys = keyPositions(page.GroupDefinitions);
    const rows = (page.ResultsByTime ?? []).flatMap((result) => (result.Groups ?? []).map((group) => costRow(ctx, result, group, keys)));
    if (rows.length > 0) yield rows;
  }
}

interface KeyPositions {
  service: number;
  region: number;
}

/** A group's Keys follow the answer's GroupDefinitions, which say where each dimension is. */
function keyPositions(definitions: GroupDefinition[] | undefined): KeyPositions {
  const at = (key: string, fallback: number) => {
    if (!definitions) return fallback;
    return definitions.findIndex((definition) => definition.Type === 'DIMENSION' && definition.Key === key);
  };
  return { service: at('SERVICE', 0), region: at('REGION', 1) };
}

function costRow(ctx: AwsContext, result: ResultByTime, group: Group, keys: KeyPositions): FocusCostRow {
  const service = group.Keys?.[keys.service] ?? 'Unknown';
  const region = group.Keys?.[keys.region];
  const unblended = group.Metrics?.UnblendedCost;
  const billed = unblended?.Amount ?? '0';
  return {
    charge_period_start: dayStart(result.TimePeriod?.Start as string),
    charge_period_end: dayStart(result.TimePeriod?.End as string),
    billed_cost: billed,
    // Amortised: upfront and recurring commitment fees spread over the usage they cover.
    effective_cost: group.Metrics?.AmortizedCost?.Amount ?? billed,
    // Cost Explorer has no list price; FOCUS allows ListCost to equal BilledCost when unknown.
    list_cost: billed,
    currency: unblended?.Unit ?? 'USD',
    service_name: service,
    service_category: serviceCategory(service),
    // "NoRegion" marks charges that belong to no region (support, some fees).
    ...(region && region !== 'NoRegion' ? { region_id: region } : {}),
    sub_account_id: ctx.account.account_id,
    charge_category: service === 'Tax' ? 'Tax' : 'Usage',
    tags: {},
    granularity: 'daily',
    // Cost Explorer's days still open to change; the next pull of the period replaces them.
    ...(result.Estimated ? { estimated: true } : {}),
  };
}
