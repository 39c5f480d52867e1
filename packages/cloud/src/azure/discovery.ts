import type { QueryResponse } from '@azure/arm-resourcegraph';
import { CloudOperationError, type DiscoveredResource, type DiscoveryOptions, type ResourceKind } from '../adapter.ts';
import { mapConcurrent } from '../live/collections.ts';
import { configuredRegions, type LiveContext } from '../live/options.ts';
import { tokenPages } from '../live/paging.ts';
import { cpuFromSamples, refusableMetrics, utilizationWindow } from '../live/utilization.ts';
import type { AzureClients } from './clients.ts';

export interface AzureContext extends LiveContext {
  clients: AzureClients;
}

/** A row of the Resource Graph query below. */
interface GraphRow {
  id: string;
  name: string;
  type: string;
  location: string;
  zones?: string[] | null;
  tags?: Record<string, string> | null;
  sku?: { name?: string; tier?: string } | null;
  kind?: string | null;
  managedBy?: string | null;
  properties?: Record<string, unknown> | null;
}

type Mapper = (row: GraphRow) => DiscoveredResource[];

/** Resource Graph answers 1000 rows a page at most. */
const PAGE_SIZE = 1000;
const METRIC_CALLS_IN_FLIGHT = 4;
const CPU_METRIC = 'Percentage CPU';

export async function* discoverAzure(ctx: AzureContext, { signal, onWarning }: DiscoveryOptions = {}): AsyncGenerator<DiscoveredResource[]> {
  const metrics = refusableMetrics('Microsoft.Insights/metrics/read', onWarning);
  const query = graphQuery(configuredRegions(ctx.account));
  const pages = tokenPages(
    ctx.call,
    'Resource Graph query',
    (skipToken) =>
      ctx.clients.resourceGraph.resources(
        {
          query,
          subscriptions: [ctx.account.account_id],
          options: { top: PAGE_SIZE, resultFormat: 'objectArray', ...(skipToken ? { skipToken } : {}) },
        },
        { abortSignal: signal },
      ),
    (page: QueryResponse) => page.skipToken,
    { signal },
  );
  for await (const page of pages) {
    const resources = (page.data as GraphRow[]).flatMap((row) => MAPPERS[row.type.toLowerCase()]?.(row) ?? []);
    if (resources.length === 0) continue;
    await mapConcurrent(
      resources.filter((resource) => resource.type === 'vm'),
      METRIC_CALLS_IN_FLIGHT,
      async (vm) => {
        const utilization = await metrics(() => cpuUtilization(ctx, vm.provider_resource_id, signal), undefined);
        if (utilization) vm.utilization = utilization;
      },
    );
    yield resources;
  }
}

/** Hourly "Percentage CPU" averages over the window; Azure Monitor computes no percentile itself. */
async function cpuUtilization(ctx: AzureContext, vmId: string, signal: AbortSignal | undefined) {
  const { start, end } = utilizationWindow();
  const answer = await ctx.call(
    `Azure Monitor metrics (${vmId})`,
    () =>
      ctx.clients.monitor.metrics.list(vmId.replace(/^\//, ''), {
        metricnames: CPU_METRIC,
        timespan: `${start.toISOString()}/${end.toISOString()}`,
        interval: 'PT1H',
        aggregation: 'average',
        abortSignal: signal,
      }),
    { signal },
  );
  // The answer lists metrics by name, each with its own error code: only the one asked for, read
  // successfully, is CPU (another metric's values would pass for percentages).
  const cpu = answer.value.filter(
    (metric) => metric.name.value.toLowerCase() === CPU_METRIC.toLowerCase() && (metric.errorCode ?? 'Success') === 'Success',
  );
  const samples = cpu.flatMap((metric) =>
    (metric.timeseries ?? []).flatMap((series) => (series.data ?? []).flatMap((point) => point.average ?? [])),
  );
  return cpuFromSamples(samples);
}

function graphQuery(regions: string[] | undefined): string {
  const types = Object.keys(MAPPERS)
    .map((type) => `'${type}'`)
    .join(', ');
  const lines = [
    'Resources',
    `| where type in~ (${types})`,
    // Every SQL server has a system database that costs nothing and cannot be acted on.
    "| where not(type =~ 'microsoft.sql/servers/databases' and name =~ 'master')",
  ];
  if (regions) lines.push(`| where location in~ (${regions.map(regionLiteral).join(', ')})`);
  lines.push('| project id, name, type, location, zones, tags, sku, kind, managedBy, properties', '| order by id asc');
  return lines.join('\n');
}

/** Settings are user input: only region names may reach the query. */
function regionLiteral(region: string): string {
  if (!/^[a-z0-9]+$/i.test(region)) throw new CloudOperationError(`settings.regions: "${region}" is not an Azure region name (such as westeurope)`);
  return `'${region.toLowerCase()}'`;
}

function field(from: unknown, ...path: string[]): unknown {
  let current = from;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function number(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function lower(value: unknown): string | null {
  return text(value)?.toLowerCase() ?? null;
}

/**
 * Azure resource ids are case-insensitive, and Cost Management returns them lower-cased: ids are
 * lower-cased everywhere so that the importer matches cost lines to resources exactly.
 */
export function normalizedId(id: string): string {
  return id.toLowerCase();
}

function resource(row: GraphRow, type: ResourceKind, state: string | null, metadata: Record<string, unknown>): DiscoveredResource {
  return {
    provider_resource_id: normalizedId(row.id),
    name: row.name,
    type,
    region: row.location,
    zone: row.zones?.[0] ?? null,
    state,
    tags: row.tags ?? {},
    metadata: { resource_group: resourceGroupOf(row.id), ...metadata },
  };
}

function resourceGroupOf(id: string): string | null {
  return /\/resourcegroups\/([^/]+)/i.exec(id)?.[1] ?? null;
}

function flexibleServer(engine: string): Mapper {
  return (row) => [
    resource(row, 'database', lower(field(row.properties, 'state')), {
      engine,
      engine_version: text(field(row.properties, 'version')),
      instance_type: row.sku?.name ?? null,
      tier: row.sku?.tier ?? null,
      size_gb: number(field(row.properties, 'storage', 'storageSizeGB')),
    }),
  ];
}

const MAPPERS: Record<string, Mapper> = {
  'microsoft.compute/virtualmachines': (row) => [
    resource(row, 'vm', text(field(row.properties, 'extended', 'instanceView', 'powerState', 'code'))?.split('/')[1]?.toLowerCase() ?? null, {
      instance_type: text(field(row.properties, 'hardwareProfile', 'vmSize')),
      platform: text(field(row.properties, 'storageProfile', 'osDisk', 'osType')),
      priority: text(field(row.properties, 'priority')) ?? 'Regular',
      created_at: text(field(row.properties, 'timeCreated')),
      os_disk: lower(field(row.properties, 'storageProfile', 'osDisk', 'managedDisk', 'id')),
    }),
  ],
  'microsoft.compute/disks': (row) => [
    resource(row, 'disk', lower(field(row.properties, 'diskState')), {
      sku: row.sku?.name ?? null,
      size_gb: number(field(row.properties, 'diskSizeGB')),
      iops: number(field(row.properties, 'diskIOPSReadWrite')),
      created_at: text(field(row.properties, 'timeCreated')),
      attached_to: row.managedBy ? normalizedId(row.managedBy) : null,
    }),
  ],
  'microsoft.compute/snapshots': (row) => [
    resource(row, 'snapshot', lower(field(row.properties, 'provisioningState')), {
      sku: row.sku?.name ?? null,
      size_gb: number(field(row.properties, 'diskSizeGB')),
      incremental: field(row.properties, 'incremental') === true,
      created_at: text(field(row.properties, 'timeCreated')),
      source_disk: lower(field(row.properties, 'creationData', 'sourceResourceId')),
    }),
  ],
  'microsoft.network/publicipaddresses': (row) => {
    const configuration = lower(field(row.properties, 'ipConfiguration', 'id'));
    // A public IP has no state of its own; what matters for its cost is whether it is attached.
    return [
      resource(row, 'ip_address', configuration ? 'in-use' : 'available', {
        sku: row.sku?.name ?? null,
        public_ip: text(field(row.properties, 'ipAddress')),
        allocation: text(field(row.properties, 'publicIPAllocationMethod')),
        attached_to: configuration,
      }),
    ];
  },
  'microsoft.network/loadbalancers': (row) => [
    resource(row, 'load_balancer', lower(field(row.properties, 'provisioningState')), {
      sku: row.sku?.name ?? null,
      frontends: (field(row.properties, 'frontendIPConfigurations') as unknown[] | undefined)?.length ?? 0,
      backend_pools: (field(row.properties, 'backendAddressPools') as unknown[] | undefined)?.length ?? 0,
      rules: (field(row.properties, 'loadBalancingRules') as unknown[] | undefined)?.length ?? 0,
    }),
  ],
  'microsoft.sql/servers/databases': (row) => {
    const maxBytes = number(field(row.properties, 'maxSizeBytes'));
    return [
      resource(row, 'database', lower(field(row.properties, 'status')), {
        engine: 'sqlserver',
        instance_type: row.sku?.name ?? null,
        tier: row.sku?.tier ?? null,
        size_gb: maxBytes === null ? null : maxBytes / 1024 ** 3,
        created_at: text(field(row.properties, 'creationDate')),
      }),
    ];
  },
  'microsoft.dbforpostgresql/flexibleservers': flexibleServer('postgresql'),
  'microsoft.dbformysql/flexibleservers': flexibleServer('mysql'),
  'microsoft.storage/storageaccounts': (row) => [
    resource(row, 'bucket', lower(field(row.properties, 'statusOfPrimary')), {
      sku: row.sku?.name ?? null,
      kind: row.kind ?? null,
      access_tier: text(field(row.properties, 'accessTier')),
      created_at: text(field(row.properties, 'creationTime')),
    }),
  ],
  /** An AKS cluster is reported as its node pools, which are what the VMs are billed for. */
  'microsoft.containerservice/managedclusters': (row) => {
    const pools = (field(row.properties, 'agentPoolProfiles') as Record<string, unknown>[] | undefined) ?? [];
    return pools.map((pool) => ({
      provider_resource_id: normalizedId(`${row.id}/agentPools/${String(pool.name)}`),
      name: String(pool.name),
      type: 'k8s_node_pool' as const,
      region: row.location,
      zone: null,
      state: lower(field(pool, 'powerState', 'code')),
      tags: (pool.tags as Record<string, string> | undefined) ?? row.tags ?? {},
      metadata: {
        resource_group: resourceGroupOf(row.id),
        cluster: normalizedId(row.id),
        instance_type: text(pool.vmSize),
        node_count: number(pool.count),
        min_count: number(pool.minCount),
        max_count: number(pool.maxCount),
        autoscaling: pool.enableAutoScaling === true,
        mode: text(pool.mode),
        priority: text(pool.scaleSetPriority) ?? 'Regular',
        os_disk_size_gb: number(pool.osDiskSizeGB),
        zones: (pool.availabilityZones as string[] | undefined) ?? [],
      },
    }));
  },
};
