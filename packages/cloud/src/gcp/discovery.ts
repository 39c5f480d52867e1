import type { protos as assetProtos } from '@google-cloud/asset';
import type { protos as monitoringProtos } from '@google-cloud/monitoring';
import type { DiscoveredResource, DiscoveryOptions, ResourceKind, UtilizationSummary } from '../adapter.ts';
import { configuredRegions, type LiveContext } from '../live/options.ts';
import { tokenPages } from '../live/paging.ts';
import { cpuFromSamples, refusableMetrics, UTILIZATION_WINDOW_DAYS, utilizationWindow } from '../live/utilization.ts';
import { ONE_ATTEMPT, type GcpClients } from './clients.ts';

export interface GcpContext extends LiveContext {
  clients: GcpClients;
}

type Asset = assetProtos.google.cloud.asset.v1.IAsset;
type Struct = assetProtos.google.protobuf.IStruct;
type StructValue = assetProtos.google.protobuf.IValue;
type Json = Record<string, unknown>;

interface AssetView {
  /** The Cloud Asset Inventory name, //service.googleapis.com/projects/..., our provider_resource_id. */
  name: string;
  location: string;
  data: Json;
}

type Mapper = (asset: AssetView, place: Place) => DiscoveredResource;

/** listAssets answers 1000 assets a page at most. */
const PAGE_SIZE = 1000;
const DAY_MS = 86_400_000;

export async function* discoverGcp(ctx: GcpContext, { signal, onWarning }: DiscoveryOptions = {}): AsyncGenerator<DiscoveredResource[]> {
  const regions = configuredRegions(ctx.account);
  const metrics = refusableMetrics('monitoring.timeSeries.list', onWarning);
  let cpu: Promise<Map<string, number[]>> | undefined;
  const pages = tokenPages(
    ctx.call,
    'cloudasset:ListAssets',
    async (pageToken) => {
      const [, , response] = await ctx.clients.assets.listAssets(
        {
          parent: `projects/${ctx.account.account_id}`,
          assetTypes: Object.keys(MAPPERS),
          contentType: 'RESOURCE',
          pageSize: PAGE_SIZE,
          ...(pageToken ? { pageToken } : {}),
        },
        ONE_ATTEMPT,
      );
      return response;
    },
    (page) => page?.nextPageToken || undefined,
    { signal },
  );
  for await (const page of pages) {
    const resources = (page?.assets ?? []).flatMap((asset) => toResource(asset, regions) ?? []);
    const vms = resources.filter((resource) => resource.type === 'vm');
    if (vms.length > 0) {
      cpu ??= metrics(() => cpuByInstance(ctx, signal), new Map<string, number[]>());
      const samples = await cpu;
      for (const vm of vms) {
        const summary = cpuFromSamples(samples.get(String(vm.metadata.instance_id)) ?? []);
        if (summary) vm.utilization = summary;
      }
    }
    if (resources.length > 0) yield resources;
  }
}

/**
 * Hourly mean CPU of every instance of the project, in one listing (Cloud Monitoring has no
 * percentile aligner for a gauge, so the p95 is computed from the hours).
 */
async function cpuByInstance(ctx: GcpContext, signal: AbortSignal | undefined): Promise<Map<string, number[]>> {
  const { start, end } = utilizationWindow();
  const samples = new Map<string, number[]>();
  const pages = tokenPages(
    ctx.call,
    'monitoring:ListTimeSeries',
    async (pageToken) => {
      const [, , response] = await ctx.clients.metrics.listTimeSeries(
        {
          name: `projects/${ctx.account.account_id}`,
          filter: 'metric.type = "compute.googleapis.com/instance/cpu/utilization" AND resource.type = "gce_instance"',
          interval: { startTime: { seconds: start.getTime() / 1000 }, endTime: { seconds: end.getTime() / 1000 } },
          aggregation: { alignmentPeriod: { seconds: 3600 }, perSeriesAligner: 'ALIGN_MEAN' },
          view: 'FULL',
          ...(pageToken ? { pageToken } : {}),
        },
        ONE_ATTEMPT,
      );
      return response as monitoringProtos.google.monitoring.v3.IListTimeSeriesResponse | undefined;
    },
    (page) => page?.nextPageToken || undefined,
    { signal },
  );
  for await (const page of pages) {
    for (const series of page?.timeSeries ?? []) {
      const instanceId = series.resource?.labels?.instance_id;
      if (!instanceId) continue;
      const values = samples.get(instanceId) ?? [];
      // The metric is a fraction of the allocated CPU; the contract speaks percent.
      for (const point of series.points ?? []) if (typeof point.value?.doubleValue === 'number') values.push(point.value.doubleValue * 100);
      samples.set(instanceId, values);
    }
  }
  return samples;
}

function toResource(asset: Asset, regions: string[] | undefined): DiscoveredResource | undefined {
  const mapper = asset.assetType ? MAPPERS[asset.assetType] : undefined;
  if (!mapper || !asset.name) return undefined;
  const data = structToJson(asset.resource?.data);
  const location = asset.resource?.location || locationOf(asset.name, data);
  const place = placeOf(location);
  if (regions) {
    // Where nothing tells the place, the resource cannot be shown to be in a region asked for.
    if (!location) return undefined;
    // Global and multi-region resources (snapshots, buckets in "us") belong to every region scanned.
    if (place.region && isCloudRegion(place.region) && !regions.includes(place.region)) return undefined;
  }
  return mapper({ name: asset.name, location, data }, place);
}

/**
 * Where a resource is when its asset row has no resource.location (rows of older exports and some
 * asset types): its data's zone or region (Compute Engine gives URLs), Cloud SQL's gceZone or
 * region, a bucket's location, else the locations/zones/regions segment of its name.
 */
function locationOf(name: string, data: Json): string {
  for (const value of [data.zone, data.gceZone, data.region, data.location]) {
    const found = lastSegment(value);
    if (found) return found.toLowerCase();
  }
  return /\/(?:locations|zones|regions)\/([^/]+)\//.exec(name)?.[1]?.toLowerCase() ?? '';
}

interface Place {
  region: string | null;
  zone: string | null;
}

function isCloudRegion(location: string): boolean {
  return /^[a-z]+-[a-z]+\d+$/.test(location);
}

/** A zone (us-central1-a) gives its region; anything else (us-central1, global, us) is the region. */
function placeOf(location: string): Place {
  const lowered = location.toLowerCase();
  if (/^[a-z]+-[a-z]+\d+-[a-z]$/.test(lowered)) return { region: lowered.slice(0, -2), zone: lowered };
  return { region: lowered || null, zone: null };
}

/** The REST transport decodes google.protobuf.Struct as {fields: {k: {stringValue}}}; resources are plain JSON. */
export function structToJson(struct: Struct | null | undefined): Json {
  const json: Json = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) json[key] = valueToJson(value);
  return json;
}

function valueToJson(value: StructValue): unknown {
  if (value.structValue) return structToJson(value.structValue);
  if (value.listValue) return (value.listValue.values ?? []).map(valueToJson);
  if (value.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value.numberValue !== undefined && value.numberValue !== null) return value.numberValue;
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  return null;
}

/** A compute self link (https://www.googleapis.com/compute/v1/projects/...) as the asset name of that resource. */
export function assetName(selfLink: string): string {
  return selfLink.replace(/^https:\/\/(?:www|compute)\.googleapis\.com\/compute\/(?:v1|beta)\//, '//compute.googleapis.com/');
}

function lastSegment(url: unknown): string | null {
  return typeof url === 'string' && url.length > 0 ? (url.split('/').pop() ?? null) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** int64 fields (sizeGb, ...) are strings in JSON. */
function integer(value: unknown): number | null {
  const parsed = typeof value === 'string' ? Number(value) : value;
  return typeof parsed === 'number' && Number.isFinite(parsed) ? parsed : null;
}

function labels(value: unknown): Record<string, string> {
  return value && typeof value === 'object' ? (value as Record<string, string>) : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function resource(asset: AssetView, place: Place, type: ResourceKind, state: string | null, tags: unknown, metadata: Json): DiscoveredResource {
  return {
    provider_resource_id: asset.name,
    name: text(asset.data.name) ?? lastSegment(asset.name),
    type,
    region: place.region,
    zone: place.zone,
    state,
    tags: labels(tags),
    metadata,
  };
}

function lowerState(value: unknown): string | null {
  return text(value)?.toLowerCase() ?? null;
}

/** Days since a disk was last detached (or created, if it never was), for disks attached to nothing. */
function idleDays(data: Json): UtilizationSummary | undefined {
  if (strings(data.users).length > 0) return undefined;
  const since = Date.parse(String(data.lastDetachTimestamp ?? data.creationTimestamp ?? ''));
  if (Number.isNaN(since)) return undefined;
  return { window_days: UTILIZATION_WINDOW_DAYS, idle_days: Math.floor((Date.now() - since) / DAY_MS) };
}

const MAPPERS: Record<string, Mapper> = {
  'compute.googleapis.com/Instance': (asset, place) =>
    resource(asset, place, 'vm', lowerState(asset.data.status), asset.data.labels, {
      // Cloud Monitoring and the billing export know the instance by this number, not its name.
      instance_id: text(asset.data.id),
      instance_type: lastSegment(asset.data.machineType),
      provisioning: text((asset.data.scheduling as Json | undefined)?.provisioningModel) ?? 'STANDARD',
      created_at: text(asset.data.creationTimestamp),
      disks: ((asset.data.disks as Json[] | undefined) ?? []).flatMap((disk) => (typeof disk.source === 'string' ? [assetName(disk.source)] : [])),
    }),
  'compute.googleapis.com/Disk': (asset, place) => {
    const disk = resource(asset, place, 'disk', lowerState(asset.data.status), asset.data.labels, {
      disk_id: text(asset.data.id),
      disk_type: lastSegment(asset.data.type),
      size_gb: integer(asset.data.sizeGb),
      created_at: text(asset.data.creationTimestamp),
      attached_to: strings(asset.data.users).map(assetName)[0] ?? null,
      source_snapshot: text(asset.data.sourceSnapshot) ? assetName(String(asset.data.sourceSnapshot)) : null,
    });
    const idle = idleDays(asset.data);
    return idle ? { ...disk, utilization: idle } : disk;
  },
  'compute.googleapis.com/Snapshot': (asset, place) =>
    resource(asset, place, 'snapshot', lowerState(asset.data.status), asset.data.labels, {
      snapshot_id: text(asset.data.id),
      size_gb: integer(asset.data.diskSizeGb),
      storage_bytes: integer(asset.data.storageBytes),
      storage_locations: strings(asset.data.storageLocations),
      created_at: text(asset.data.creationTimestamp),
      source_disk: text(asset.data.sourceDisk) ? assetName(String(asset.data.sourceDisk)) : null,
    }),
  'compute.googleapis.com/Address': (asset, place) => address(asset, place),
  'compute.googleapis.com/GlobalAddress': (asset, place) => address(asset, place),
  'compute.googleapis.com/ForwardingRule': (asset, place) => forwardingRule(asset, place),
  'compute.googleapis.com/GlobalForwardingRule': (asset, place) => forwardingRule(asset, place),
  'sqladmin.googleapis.com/Instance': (asset, place) => {
    const settings = (asset.data.settings as Json | undefined) ?? {};
    const where = { region: text(asset.data.region) ?? place.region, zone: text(asset.data.gceZone) };
    return resource(asset, where, 'database', lowerState(asset.data.state), settings.userLabels, {
      engine: text(asset.data.databaseVersion)?.split('_')[0]?.toLowerCase() ?? null,
      engine_version: text(asset.data.databaseVersion),
      instance_type: text(settings.tier),
      size_gb: integer(settings.dataDiskSizeGb),
      availability: text(settings.availabilityType),
      activation_policy: text(settings.activationPolicy),
      created_at: text(asset.data.createTime),
    });
  },
  'storage.googleapis.com/Bucket': (asset, place) =>
    resource(asset, place, 'bucket', null, asset.data.labels, {
      storage_class: text(asset.data.storageClass),
      location_type: text(asset.data.locationType),
      created_at: text(asset.data.timeCreated),
    }),
  'container.googleapis.com/NodePool': (asset, place) => {
    const config = (asset.data.config as Json | undefined) ?? {};
    const autoscaling = (asset.data.autoscaling as Json | undefined) ?? {};
    return resource(asset, place, 'k8s_node_pool', lowerState(asset.data.status), config.resourceLabels, {
      cluster: asset.name.replace(/\/nodePools\/[^/]+$/, ''),
      instance_type: text(config.machineType),
      initial_node_count: integer(asset.data.initialNodeCount),
      autoscaling: autoscaling.enabled === true,
      min_count: integer(autoscaling.minNodeCount),
      max_count: integer(autoscaling.maxNodeCount),
      spot: config.spot === true || config.preemptible === true,
      disk_size_gb: integer(config.diskSizeGb),
      zones: strings(asset.data.locations),
    });
  },
};

function address(asset: AssetView, place: Place): DiscoveredResource {
  return resource(asset, place, 'ip_address', lowerState(asset.data.status), asset.data.labels, {
    address: text(asset.data.address),
    address_type: text(asset.data.addressType),
    network_tier: text(asset.data.networkTier),
    attached_to: strings(asset.data.users).map(assetName)[0] ?? null,
  });
}

function forwardingRule(asset: AssetView, place: Place): DiscoveredResource {
  return resource(asset, place, 'load_balancer', null, asset.data.labels, {
    ip_address: text(asset.data.IPAddress),
    scheme: text(asset.data.loadBalancingScheme),
    protocol: text(asset.data.IPProtocol),
    target: text(asset.data.target) ? assetName(String(asset.data.target)) : null,
  });
}
