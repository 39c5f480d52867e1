import type { CostPeriod, FocusCostRow } from '../adapter.ts';
import { DAY_MS, decimalText } from './format.ts';
import type { SimFleet, SimSpec } from './fleet.ts';
import { segments } from './state.ts';

/** Rows per page: one cost.ingested batch holds about 1,000, so 2,000 rebatch evenly. */
const COST_PAGE_SIZE = 2_000;
const HOUR_MS = 3_600_000;
/** Hours in a month as providers prorate GB-month prices. */
const HOURS_PER_MONTH = 730;

interface Rates {
  /** Per hour, what runs: compute, addresses, load balancers; a commitment discount applies to it. */
  compute: number;
  /** Per hour, what is stored, billed whether or not the resource runs. */
  storage: number;
}

function hourlyRates(spec: SimSpec): Rates {
  const { size, variant, region } = spec;
  const price = size.prices[region.index]!;
  // A stopped VM or database costs only its storage; addresses cost the same attached or not.
  const running = (spec.kind !== 'vm' && spec.kind !== 'database') || spec.active;
  const compute = size.hourly !== undefined && running ? price * spec.node_count : 0;
  let storage = size.gb_month !== undefined ? price * spec.size_gb : 0;
  if (variant.storage) storage += variant.storage.prices[region.index]! * spec.storage_gb;
  return { compute, storage: storage / HOURS_PER_MONTH };
}

interface Day {
  start: number;
  end: number;
  start_text: string;
  end_text: string;
}

/** The UTC days of the period, the first and last cut to it. */
function daysOf(period: CostPeriod): Day[] {
  const from = period.start.getTime();
  const to = period.end.getTime();
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError('cost period: start and end must be valid dates');
  const days: Day[] = [];
  for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
    const start = Math.max(day, from);
    const end = Math.min(day + DAY_MS, to);
    days.push({ start, end, start_text: new Date(start).toISOString(), end_text: new Date(end).toISOString() });
  }
  return days;
}

/**
 * One FOCUS row per resource and UTC day in which it existed: list price by the hours it ran (or
 * existed, for storage), billed at list, effective cost lower where a commitment covers it.
 * A pure function of the fleet and its operations, so a period always yields the same rows.
 */
export async function* fleetCosts(fleet: SimFleet, period: CostPeriod, signal: AbortSignal | undefined): AsyncGenerator<FocusCostRow[]> {
  signal?.throwIfAborted();
  const days = daysOf(period);
  const sub_account_id = fleet.account.account_id;
  let page: FocusCostRow[] = [];
  for (const spec of fleet.all()) {
    const changes = fleet.changesOf(spec.provider_resource_id);
    for (const day of days) {
      const parts = segments(spec, changes, day.start, day.end);
      if (parts.length === 0) continue;
      let list = 0;
      let committed = 0;
      for (const part of parts) {
        const hours = part.ms / HOUR_MS;
        const rates = hourlyRates(part.spec);
        list += (rates.compute + rates.storage) * hours;
        committed += rates.compute * hours * part.spec.discount;
      }
      const last = parts[parts.length - 1]!.spec;
      const billed = decimalText(list, 10);
      page.push({
        charge_period_start: day.start_text,
        charge_period_end: day.end_text,
        billed_cost: billed,
        effective_cost: committed > 0 ? decimalText(list - committed, 10) : billed,
        list_cost: billed,
        currency: 'USD',
        service_name: last.variant.service_name,
        service_category: last.variant.service_category,
        region_id: last.region.name,
        provider_resource_id: last.provider_resource_id,
        sub_account_id,
        charge_category: 'Usage',
        tags: { ...last.tags },
        granularity: 'daily',
      });
      if (page.length === COST_PAGE_SIZE) {
        yield page;
        signal?.throwIfAborted();
        page = [];
      }
    }
  }
  if (page.length > 0) yield page;
}
