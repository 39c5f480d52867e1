import type { DiscoveredResource } from '../adapter.ts';
import type { SimFleet, SimSpec } from './fleet.ts';
import { isoTime } from './format.ts';
import { summarizeUtilization } from './utilization.ts';

/** Resources per page, about what the providers' list APIs return. */
const DISCOVERY_PAGE_SIZE = 2_000;

export async function* discoverFleet(fleet: SimFleet, now: number, signal: AbortSignal | undefined): AsyncGenerator<DiscoveredResource[]> {
  signal?.throwIfAborted();
  let page: DiscoveredResource[] = [];
  for (const spec of fleet.all()) {
    const changes = fleet.changesOf(spec.provider_resource_id);
    const current = fleet.current(spec, changes, now);
    if (current === null) continue;
    page.push(present(current, summarizeUtilization(spec, changes, current, now)));
    if (page.length === DISCOVERY_PAGE_SIZE) {
      yield page;
      signal?.throwIfAborted();
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

export function stateOf(spec: SimSpec): string | null {
  return spec.variant.states[spec.active ? 0 : 1];
}

function present(spec: SimSpec, utilization: DiscoveredResource['utilization']): DiscoveredResource {
  const resource: DiscoveredResource = {
    provider_resource_id: spec.provider_resource_id,
    name: spec.name,
    type: spec.kind,
    region: spec.region.name,
    zone: spec.zone,
    state: stateOf(spec),
    tags: { ...spec.tags },
    metadata: metadataOf(spec),
  };
  if (utilization) resource.utilization = utilization;
  return resource;
}

function metadataOf(spec: SimSpec): Record<string, unknown> {
  const { variant, size, kind } = spec;
  const metadata: Record<string, unknown> = { provider_type: variant.provider_type };
  if (variant.size_key) metadata[variant.size_key] = size.name;
  if (size.vcpus !== undefined) {
    metadata.vcpus = size.vcpus;
    metadata.memory_gb = size.memory_gb;
  }
  if (spec.details) Object.assign(metadata, spec.details);
  if (kind === 'k8s_node_pool') {
    metadata.cluster = `${spec.team}-${spec.env}`;
    metadata.node_count = spec.node_count;
  }
  if (variant.storage) {
    if (kind === 'vm') {
      metadata.boot_disk_type = variant.storage.name;
      metadata.boot_disk_gb = spec.storage_gb;
    } else {
      metadata.storage_type = variant.storage.name;
      metadata.storage_gb = spec.storage_gb;
    }
  }
  if (kind === 'disk' || kind === 'snapshot') metadata.size_gb = spec.size_gb;
  if (kind === 'bucket') metadata.stored_gb = spec.size_gb;
  if (kind === 'disk' || kind === 'ip_address') {
    metadata.attached_to = spec.attached_to;
    if (spec.attached_to === null && spec.last_attached_ms !== null) metadata.last_attached_at = isoTime(spec.last_attached_ms);
  }
  // Per node for node pools; the GB-month price applies to size_gb or stored_gb.
  metadata[size.hourly !== undefined ? 'list_price_hourly' : 'list_price_gb_month'] = size.price_texts[spec.region.index];
  metadata.currency = 'USD';
  metadata.created_at = isoTime(spec.created_ms);
  return metadata;
}
