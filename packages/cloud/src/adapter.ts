/**
 * The contract between Stratus and a cloud: one interface per capability (discovery, costs,
 * operations), implemented by the simulated cloud (`sim`) and by the AWS, Azure and GCP adapters
 * over the official SDKs. Services depend on these types only, never on an SDK.
 */
import type { ActionType, CloudProvider } from '@stratus/db';
import type { CloudCredentials } from './credentials.ts';

export type { CloudProvider };

/** Which implementation serves an account: the simulated cloud, or the provider's real API. */
export type AdapterKind = 'sim' | 'live';

/** What an adapter needs to know about the linked account it serves. */
export interface CloudAccountRef {
  /** Our cloud_accounts.id. */
  id: string;
  provider: CloudProvider;
  /** AWS account id, Azure subscription id or GCP project id. */
  account_id: string;
  /** cloud_accounts.settings: regions to scan, the sim's seed and fleet size, ... */
  settings: Record<string, unknown>;
}

/** Utilisation over a trailing window, the input of rightsizing and idle recommendations. */
export interface UtilizationSummary {
  window_days: number;
  /** Percentages 0..100; absent where the metric does not apply (a bucket has no CPU). */
  cpu_avg?: number;
  cpu_p95?: number;
  memory_avg?: number;
  /** Bytes per day in and out, for load balancers, IPs and instances. */
  network_bytes_per_day?: number;
  /** Requests or connections per day (load balancers, databases). */
  requests_per_day?: number;
  /** For storage: share of provisioned capacity in use, 0..100. */
  storage_used_pct?: number;
  /** Days since the resource was last attached, read or connected, where the provider tells. */
  idle_days?: number;
}

/**
 * A resource as discovery sees it, in the vocabulary of the `resources` table. `metadata` carries
 * what the provider says about its shape (instance_type / sku / machine_type, size_gb, engine,
 * list_price_hourly, created_at at the provider, attached_to, ...).
 */
export interface DiscoveredResource {
  provider_resource_id: string;
  name: string | null;
  /** Normalised kinds: vm, database, disk, snapshot, ip_address, load_balancer, bucket, k8s_node_pool. */
  type: ResourceKind;
  region: string | null;
  zone: string | null;
  /** The provider's state, lower case: running, stopped, available, in-use, ... */
  state: string | null;
  tags: Record<string, string>;
  metadata: Record<string, unknown>;
  utilization?: UtilizationSummary;
}

export const RESOURCE_KINDS = [
  'vm',
  'database',
  'disk',
  'snapshot',
  'ip_address',
  'load_balancer',
  'bucket',
  'k8s_node_pool',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface DiscoveryOptions {
  signal?: AbortSignal;
  /** Told of what discovery went on without (discovery only; see DiscoveryWarning). */
  onWarning?: (warning: DiscoveryWarning) => void;
}

/**
 * Something discovery did without while the inventory itself is complete. `metrics_unavailable`:
 * the provider refused the metrics read (CloudWatch AccessDenied, Azure Monitor AuthorizationFailed,
 * Cloud Monitoring PERMISSION_DENIED), so the resources come without utilisation and nothing is
 * recommended from metrics that were never read; the sync records the warning for the owner.
 */
export interface DiscoveryWarning {
  kind: 'metrics_unavailable';
  /** The provider's name of the permission the call needs: cloudwatch:GetMetricData, Microsoft.Insights/metrics/read, monitoring.timeSeries.list. */
  permission: string;
  /** The provider's refusal, as the adapter's error says it. */
  message: string;
}

export interface ResourceDiscovery {
  /**
   * Streams the account's whole inventory in pages (any size; the caller re-batches). The stream
   * ending without an error means the inventory is complete: only then may resources not seen be
   * called removed.
   */
  discover(options?: DiscoveryOptions): AsyncIterable<DiscoveredResource[]>;
}

/**
 * One cost line in FinOps FOCUS terms (snake_case of the FOCUS column names). Money is a decimal
 * string, never a float. Matches the row of the `cost.ingested` event.
 */
export interface FocusCostRow {
  charge_period_start: string;
  charge_period_end: string;
  billed_cost: string;
  effective_cost: string;
  list_cost: string;
  /** FOCUS BillingCurrency, ISO 4217. */
  currency: string;
  service_name: string;
  service_category: string;
  region_id?: string;
  /** FOCUS ResourceId: the provider's id, matched to our inventory by the importer. */
  provider_resource_id?: string;
  /** FOCUS SubAccountId: the AWS account, Azure subscription or GCP project. */
  sub_account_id?: string;
  /**
   * Read from files: FOCUS SubAccountName, and the provider the row bills (ServiceProviderName, else
   * ProviderName) as providerOf names it. A billing-level import routes rows by them; events do not
   * carry them (cost.ingested is of one account).
   */
  sub_account_name?: string;
  provider_name?: string;
  charge_category: 'Usage' | 'Purchase' | 'Tax' | 'Credit' | 'Adjustment';
  tags: Record<string, string>;
  granularity: 'hourly' | 'daily' | 'monthly';
  /**
   * The provider says the amount is an estimate still (Cost Explorer's `Estimated` days): a later
   * pull of the same period brings the final amount, and replaces this line.
   */
  estimated?: boolean;
}

/** A half-open period [start, end) in UTC. */
export interface CostPeriod {
  start: Date;
  end: Date;
}

export interface CostSource {
  /** Streams the account's cost lines of the period, in pages; daily granularity unless the source has only monthly. */
  fetchCosts(period: CostPeriod, options?: DiscoveryOptions): AsyncIterable<FocusCostRow[]>;
}

export interface OperationRequest {
  operation: ActionType;
  provider_resource_id: string;
  /** The resource's kind and region, which pick the API to call. */
  resource_type: ResourceKind;
  region: string | null;
  /** scale: { size }; tag: { tags: {k: v} }; snapshot: { name? }; others: {}. */
  params: Record<string, unknown>;
  /**
   * Names this operation across retries (the executor passes the operation id): a second request
   * with the same token returns the first one's result instead of acting again. The simulated cloud
   * honours it; GCP calls carry requestIds made from it; snapshots are named (GCP, Azure, RDS) or
   * tagged (EBS) with it, and found again rather than made twice.
   */
  client_token?: string;
}

export interface OperationResult {
  /** The resource's state after the operation, as the provider reports it. */
  state: string | null;
  /** What the provider returned worth keeping: snapshot id, new size, request id, ... */
  details: Record<string, unknown>;
}

export interface OperationExecutor {
  /** Carries out one operation and resolves when the provider reports it done. */
  execute(request: OperationRequest, options?: DiscoveryOptions): Promise<OperationResult>;
}

export interface CloudAdapter extends ResourceDiscovery, CostSource, OperationExecutor {
  readonly kind: AdapterKind;
  readonly provider: CloudProvider;
  /**
   * Checks the credentials against the provider (AWS STS GetCallerIdentity, an Azure token and
   * subscription read, a GCP project read) and returns the account id they belong to.
   */
  verify(options?: DiscoveryOptions): Promise<{ account_id: string }>;
}

export type AdapterFactory = (account: CloudAccountRef, credentials: CloudCredentials | undefined) => CloudAdapter;

/**
 * Errors an adapter throws, so callers react to what happened rather than to SDK error shapes.
 * Adapters retry throttling themselves (backoff) and throw CloudThrottledError only once they give up.
 */
export class CloudError extends Error {
  override name = 'CloudError';
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** The credentials are wrong, expired or lack a permission: the account needs its owner, not a retry. */
export class CloudCredentialsError extends CloudError {
  override name = 'CloudCredentialsError';
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: false, cause });
  }
}

export class CloudThrottledError extends CloudError {
  override name = 'CloudThrottledError';
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: true, cause });
  }
}

/** The provider failed or could not be reached; worth retrying later. */
export class CloudUnavailableError extends CloudError {
  override name = 'CloudUnavailableError';
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: true, cause });
  }
}

/**
 * Discovery went on past parts that failed (a region's listing the SDK could not read, say) and
 * delivered everything else; the stream ends with this error, so the inventory is not taken as
 * complete (nothing unseen is removed) and the sync records what failed.
 */
export class CloudIncompleteDiscoveryError extends CloudError {
  override name = 'CloudIncompleteDiscoveryError';
  readonly failures: readonly CloudError[];
  constructor(message: string, failures: readonly CloudError[]) {
    super(message, { retryable: failures.some((failure) => failure.retryable), cause: failures[0] });
    this.failures = failures;
  }
}

/** An operation the provider refused or that failed at the provider (not transient). */
export class CloudOperationError extends CloudError {
  override name = 'CloudOperationError';
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: false, cause });
  }
}
