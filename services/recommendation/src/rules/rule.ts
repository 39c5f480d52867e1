/**
 * What a savings rule is: a pure function from one resource (as the inventory holds it, with the
 * 30-day utilisation summary discovery stores in metadata.utilization) and what it costs, to a
 * finding or nothing. Rules never read the database: the evaluator gives them everything, so each
 * is tested alone and an evaluation of 100k resources is a loop, not 100k queries.
 */
import { HOURS_PER_MONTH, listPricesOf, type ListPrice, type UtilizationSummary } from '@stratus/cloud';
import { RECOMMENDATION_PRIORITIES, type CloudProvider, type RecommendationPriority } from '@stratus/db';
import type { EventDataInput } from '@stratus/events';

export type ActionType = EventDataInput<'action.requested'>['action_type'];

/** A resource as the inventory holds it. */
export interface RuleResource {
  id: string;
  cloud_account_id: string;
  provider: CloudProvider;
  /** The normalised kind: vm, database, disk, snapshot, ip_address, load_balancer, bucket, k8s_node_pool. */
  type: string;
  name: string | null;
  region: string | null;
  state: string | null;
  tags: Record<string, string>;
  metadata: Record<string, unknown>;
}

/** The resource's own cost lines over the evaluation window, as a monthly figure. */
export interface ResourceCost {
  /** Effective cost (after commitments and credits) per month: the window's total over the days it covers, times a month. */
  monthly: number;
  /** Billed cost per month, for shares of an invoice. */
  billed_monthly: number;
  currency: string;
  /** Days of the window that have lines. */
  days: number;
}

export interface RuleContext {
  now: Date;
  cost: ResourceCost | undefined;
}

export type SavingsBasis = 'effective_cost' | 'list_price';
export type Effort = 'very_low' | 'low' | 'medium' | 'high';

export interface Savings {
  /** Per month, in `currency`. */
  monthly: number;
  currency: string;
  basis: SavingsBasis;
}

/** What a rule found: everything a recommendation carries but its identity and lifecycle. */
export interface Finding {
  title: string;
  reason: string;
  /** The metrics that decided, with their window. */
  evidence: Record<string, unknown>;
  /** null for findings that save nothing by themselves (untagged spend). */
  savings: Savings | null;
  priority: RecommendationPriority;
  effort: Effort;
  restart_needed: boolean;
  reversible: boolean;
  /** The action `apply` requests; null where a person has to act (tagging policy). */
  action: { type: ActionType; parameters: Record<string, unknown> } | null;
}

export interface ResourceRule {
  /** recommendations.recommendation_type; a persisted name, never renamed. */
  type: string;
  description: string;
  evaluate(resource: RuleResource, context: RuleContext): Finding | null;
}

/** Provider states of a VM or database that is not running (lower case, all three clouds). */
const NOT_RUNNING = new Set(['stopped', 'stopping', 'deallocated', 'deallocating', 'terminated', 'suspended']);

export function isRunning(resource: RuleResource): boolean {
  return resource.state !== null && !NOT_RUNNING.has(resource.state.toLowerCase());
}

export function utilizationOf(resource: RuleResource): UtilizationSummary | undefined {
  const utilization = resource.metadata.utilization;
  return typeof utilization === 'object' && utilization !== null ? (utilization as UtilizationSummary) : undefined;
}

export function textOf(resource: RuleResource, key: string): string | undefined {
  const value = resource.metadata[key];
  return typeof value === 'string' ? value : undefined;
}

export function numberOf(resource: RuleResource, key: string): number | undefined {
  const value = resource.metadata[key];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** Whole days between an ISO time in metadata and now; undefined when absent. */
export function daysSince(resource: RuleResource, key: string, now: Date): number | undefined {
  const text = textOf(resource, key);
  const at = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.floor((now.getTime() - at) / 86_400_000);
}

export function displayName(resource: RuleResource): string {
  return resource.name ?? resource.id;
}

/** The sizes of the resource's type in its region, priced; undefined where the price list has none. */
export function sizesOf(resource: RuleResource): readonly ListPrice[] | undefined {
  const providerType = textOf(resource, 'provider_type');
  return providerType === undefined ? undefined : listPricesOf(resource.provider, providerType, resource.region);
}

/**
 * The resource's list price per month, from metadata (list_price_hourly, per node for node pools,
 * or list_price_gb_month times its size), split into what runs and what is stored whether it runs
 * or not (a VM's boot disk, a database's allocated storage). undefined where metadata has no price.
 */
export function listMonthly(resource: RuleResource): { compute: number; storage: number; currency: string } | undefined {
  const currency = textOf(resource, 'currency') ?? 'USD';
  const hourly = numberOf(resource, 'list_price_hourly');
  const perGb = numberOf(resource, 'list_price_gb_month');
  const gb = numberOf(resource, 'size_gb') ?? numberOf(resource, 'stored_gb');
  const attachedGb = numberOf(resource, 'boot_disk_gb') ?? numberOf(resource, 'storage_gb');
  const attachedClass = textOf(resource, 'boot_disk_type') ?? textOf(resource, 'storage_type');
  const attachedPrice = attachedClass === undefined ? undefined : storagePrice(resource, attachedClass);
  const storage = (perGb !== undefined && gb !== undefined ? perGb * gb : 0) + (attachedGb !== undefined && attachedPrice !== undefined ? attachedPrice * attachedGb : 0);
  if (hourly === undefined && perGb === undefined) return undefined;
  const compute = hourly === undefined ? 0 : hourly * HOURS_PER_MONTH * (numberOf(resource, 'node_count') ?? 1);
  return { compute, storage, currency };
}

/** The GB-month price of a storage class attached to a VM or database, from the price list of disks. */
function storagePrice(resource: RuleResource, storageClass: string): number | undefined {
  const DISK_TYPES: Record<CloudProvider, string> = { AWS: 'AWS::EC2::Volume', AZURE: 'Microsoft.Compute/disks', GCP: 'compute.googleapis.com/Disk' };
  const known = listPricesOf(resource.provider, DISK_TYPES[resource.provider], resource.region)?.find((sku) => sku.name === storageClass);
  return known?.price;
}

/**
 * Savings of an action that removes `part` of what the resource costs: its own effective cost where
 * it has cost lines (basis effective_cost), its list price otherwise (list_price). `part` says what
 * the action saves: everything (a delete), what runs (a stop keeps the storage), or a share of
 * what runs (a resize, a schedule).
 */
export function savingsOf(resource: RuleResource, context: RuleContext, part: { what: 'all' | 'compute'; share?: number }): Savings | null {
  const list = listMonthly(resource);
  const share = part.share ?? 1;
  if (context.cost) {
    // What stays billed after a stop is the storage, at list price: storage gets no commitment discount.
    const kept = part.what === 'compute' ? (list?.storage ?? 0) : 0;
    const monthly = Math.max(0, context.cost.monthly - kept) * share;
    return { monthly: roundCents(monthly), currency: context.cost.currency, basis: 'effective_cost' };
  }
  if (!list) return null;
  const monthly = (part.what === 'compute' ? list.compute : list.compute + list.storage) * share;
  return { monthly: roundCents(monthly), currency: list.currency, basis: 'list_price' };
}

export function roundCents(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Priority from the monthly savings, one meaning for every rule: high from 100 a month, medium from
 * 20, low below (in the savings' currency; the bands are coarse enough for the usual ones).
 */
export function priorityOf(savings: Savings | null): RecommendationPriority {
  if (savings === null) return RECOMMENDATION_PRIORITIES.medium;
  if (savings.monthly >= 100) return RECOMMENDATION_PRIORITIES.high;
  if (savings.monthly >= 20) return RECOMMENDATION_PRIORITIES.medium;
  return RECOMMENDATION_PRIORITIES.low;
}

export function money(savings: Savings): string {
  return `${savings.monthly.toFixed(2)} ${savings.currency}`;
}
