/**
 * The simulated fleet of one account. Resource i is generated from (seed, i) alone: its own
 * random stream, its own id token. Links between resources (a disk's VM, a snapshot's disk) only
 * point backwards to a few indexes before, so shrinking the fleet never leaves a dangling link and
 * growing it never changes an existing resource.
 */
import type { CloudAccountRef, ResourceKind } from '../adapter.ts';
import { CATALOGS, type ProviderCatalog, type Region, type Sku, type Variant } from './catalog.ts';
import { fmix32, hex8, logRange, mix, Rng, unfmix32, weighted, type LogRange, type WeightedTable } from './random.ts';
import type { SimConfig } from './settings.ts';
import { deletedAt, NO_CHANGES, overlayOf, specAt, type SimChange, type SimOverlay } from './state.ts';

/** What a resource's utilisation looks like; the daily series vary around it. */
export interface UsageProfile {
  cpu_p95: number;
  /** cpu_avg / cpu_p95 on a weekday. */
  cpu_ratio: number;
  memory: number;
  network_bytes: number;
  requests: number;
  /** Weekend activity relative to weekdays. */
  weekend: number;
  storage_used_pct: number;
}

export interface SimSpec {
  /** Seeds the resource's daily metrics. */
  seed: number;
  kind: ResourceKind;
  variant: Variant;
  provider_resource_id: string;
  name: string;
  /** What its name, resource group or cluster is named after, tagged or not. */
  team: string;
  env: Env;
  region: Region;
  zone: string | null;
  created_ms: number;
  /** Running (VMs, databases) or attached (disks, addresses); always true for the other kinds. */
  active: boolean;
  size: Sku;
  /** Disk and snapshot size, bucket contents; 0 where the kind has none. */
  size_gb: number;
  tags: Record<string, string>;
  node_count: number;
  /** GB of variant.storage: a VM's boot disk, a database's allocated storage. */
  storage_gb: number;
  attached_to: string | null;
  last_attached_ms: number | null;
  /** Share of the compute price a commitment (savings plan, reservation) saves; 0 for on-demand. */
  discount: number;
  profile: UsageProfile;
  /** Facts of this kind of resource: engine, source_id, ip_address, ... */
  details: Readonly<Record<string, unknown>> | null;
}

const KINDS = weighted<ResourceKind>([
  ['vm', 36],
  ['disk', 17],
  ['snapshot', 10],
  ['bucket', 8],
  ['ip_address', 7],
  ['database', 7],
  ['k8s_node_pool', 6],
  ['load_balancer', 5],
]);

const TEAMS = ['payments', 'checkout', 'search', 'data-platform', 'ml', 'identity', 'growth', 'platform', 'mobile', 'analytics', 'sre', 'marketing'];
const OWNERS = [
  'maria-silva', 'james-chen', 'aisha-khan', 'lukas-mueller', 'sofia-rossi', 'daniel-kim', 'emma-dubois', 'noah-johnson',
  'priya-patel', 'mateo-garcia', 'hannah-schmidt', 'oliver-smith', 'yuki-tanaka', 'fatima-haddad', 'liam-obrien', 'zoe-martin',
];
export type Env = 'prod' | 'staging' | 'dev' | 'test';
const ENVS = weighted<Env>([
  ['prod', 35],
  ['staging', 15],
  ['dev', 35],
  ['test', 15],
]);
const ROLES: Readonly<Record<ResourceKind, readonly string[]>> = {
  vm: ['api', 'web', 'worker', 'batch', 'cache', 'etl', 'ci-runner', 'bastion', 'kafka', 'search'],
  database: ['orders', 'users', 'ledger', 'catalog', 'events', 'sessions', 'reporting'],
  disk: ['data', 'logs', 'scratch', 'backup', 'index'],
  snapshot: ['daily', 'weekly', 'pre-upgrade', 'migration', 'manual'],
  ip_address: ['nat', 'bastion', 'vpn', 'ingress', 'egress'],
  load_balancer: ['public', 'internal', 'api', 'web'],
  bucket: ['assets', 'logs', 'backups', 'exports', 'ml-data', 'artifacts'],
  k8s_node_pool: ['general', 'system', 'spot', 'batch', 'memory'],
};

/** Share of resources with no tags at all: snapshots and addresses are the usual strays. */
const UNTAGGED: Readonly<Record<ResourceKind, number>> = {
  vm: 0.08, database: 0.05, disk: 0.15, snapshot: 0.35, ip_address: 0.2, load_balancer: 0.08, bucket: 0.1, k8s_node_pool: 0.05,
};
const STOPPED_VMS: Readonly<Record<Env, number>> = { prod: 0.02, staging: 0.06, dev: 0.12, test: 0.12 };

interface Band {
  cpu_p95: readonly [number, number];
  cpu_ratio: readonly [number, number];
  memory: readonly [number, number];
  network_bytes: LogRange;
  requests: LogRange;
}
// The p95 bands leave room for ±6% daily noise: idle stays below 5, over-provisioned within 10-30,
// busy above 80.
const IDLE: Band = { cpu_p95: [1, 4.5], cpu_ratio: [0.3, 0.6], memory: [5, 25], network_bytes: logRange(1e4, 5e5), requests: logRange(0.1, 20) };
const OVER: Band = { cpu_p95: [11, 28], cpu_ratio: [0.35, 0.6], memory: [15, 40], network_bytes: logRange(1e8, 5e9), requests: logRange(1e3, 1e5) };
const NORMAL: Band = { cpu_p95: [35, 75], cpu_ratio: [0.4, 0.65], memory: [35, 70], network_bytes: logRange(1e9, 5e10), requests: logRange(1e4, 1e6) };
const BUSY: Band = { cpu_p95: [88, 96], cpu_ratio: [0.55, 0.8], memory: [60, 90], network_bytes: logRange(1e10, 2e11), requests: logRange(1e5, 1e7) };
// Non-production idles more; overall about 15% idle, 25% over-provisioned, 12% busy.
const BANDS: Readonly<Record<Env, WeightedTable<Band>>> = {
  prod: weighted([[IDLE, 8], [OVER, 30], [NORMAL, 42], [BUSY, 20]]),
  staging: weighted([[IDLE, 15], [OVER, 25], [NORMAL, 50], [BUSY, 10]]),
  dev: weighted([[IDLE, 20], [OVER, 22], [NORMAL, 50], [BUSY, 8]]),
  test: weighted([[IDLE, 20], [OVER, 20], [NORMAL, 52], [BUSY, 8]]),
};

const DISK_GB = weighted([[32, 10], [64, 12], [100, 14], [128, 10], [200, 8], [256, 8], [500, 7], [512, 5], [1000, 4], [1024, 3], [2048, 2]]);
const BUCKET_GB = logRange(0.5, 20_000);
const DB_STORAGE_GB = [20, 50, 100, 100, 200, 500, 1000, 2000];
const NODE_COUNTS = [1, 2, 3, 3, 3, 4, 5, 6, 8, 10, 12, 16, 20];
const COMPUTE: ReadonlySet<ResourceKind> = new Set(['vm', 'database', 'k8s_node_pool']);

interface Link {
  /** Share of resources of the kind that have a host; the others are unattached or orphaned. */
  share: number;
  kinds: ReadonlySet<ResourceKind>;
  /** How many indexes back the host is looked for. */
  distance: number;
}
const LINKS: Readonly<Partial<Record<ResourceKind, Link>>> = {
  disk: { share: 0.8, kinds: new Set(['vm']), distance: 16 },
  ip_address: { share: 0.75, kinds: new Set(['vm', 'load_balancer']), distance: 16 },
  snapshot: { share: 0.75, kinds: new Set(['disk']), distance: 24 },
};

const CREATED_FROM = Date.UTC(2022, 0, 1);
const CREATED_TO = Date.UTC(2026, 0, 1);
/** Distinguishes the attribute stream from the other streams derived from a resource's token. */
const SPEC_STREAM = 0x51_7e_c0_01;
const CACHE_SIZE = 64;

export class SimFleet {
  readonly account: CloudAccountRef;
  readonly config: SimConfig;
  readonly catalog: ProviderCatalog;
  readonly overlay: SimOverlay;
  private readonly regions: WeightedTable<Region>;
  // Discovery walks the fleet in order and links look a few indexes back, so the last few
  // resources are nearly always what a link needs.
  private readonly cachedIndex = new Int32Array(CACHE_SIZE).fill(-1);
  private readonly cachedSpec: SimSpec[] = new Array(CACHE_SIZE);

  constructor(account: CloudAccountRef, config: SimConfig) {
    this.account = account;
    this.config = config;
    this.catalog = CATALOGS[account.provider];
    this.overlay = overlayOf(account.id);
    this.regions = weighted(config.regions.map((region) => [region, region.weight] as const));
  }

  /** Every resource as generated (operations not applied): the fleet in order, then what operations created. */
  *all(): Generator<SimSpec> {
    for (let i = 0; i < this.config.resources; i++) yield this.resource(i);
    yield* this.overlay.created.values();
  }

  resource(index: number): SimSpec {
    const slot = index % CACHE_SIZE;
    if (this.cachedIndex[slot] === index) return this.cachedSpec[slot]!;
    const spec = this.generate(index);
    this.cachedIndex[slot] = index;
    this.cachedSpec[slot] = spec;
    return spec;
  }

  /** The resource an id names, as generated, whether or not an operation deleted it since. */
  find(provider_resource_id: string): SimSpec | undefined {
    const created = this.overlay.created.get(provider_resource_id);
    if (created) return created;
    const token = provider_resource_id.slice(-8);
    if (!/^[0-9a-f]{8}$/.test(token)) return undefined;
    const index = (unfmix32(Number.parseInt(token, 16)) ^ this.config.seed) >>> 0;
    if (index >= this.config.resources) return undefined;
    const spec = this.resource(index);
    return spec.provider_resource_id === provider_resource_id ? spec : undefined;
  }

  changesOf(provider_resource_id: string): readonly SimChange[] {
    return this.overlay.changes.size === 0 ? NO_CHANGES : (this.overlay.changes.get(provider_resource_id) ?? NO_CHANGES);
  }

  /** The resource as it is at time t after operations, or null if deleted. */
  current(spec: SimSpec, changes: readonly SimChange[], t: number): SimSpec | null {
    const current = changes.length === 0 ? spec : specAt(spec, changes, t);
    if (current === null || current.attached_to === null || this.overlay.changes.size === 0) return current;
    // Deleting a VM detaches its data disks and addresses rather than deleting them, as providers do.
    const detached = deletedAt(this.overlay, current.attached_to, t);
    return detached === undefined ? current : { ...current, active: false, attached_to: null, last_attached_ms: detached };
  }

  /** The token of resource i: a bijection of i, so tokens never collide and the index can be read back. */
  private token(index: number): number {
    return fmix32((index ^ this.config.seed) >>> 0);
  }

  private kindOf(index: number): ResourceKind {
    const slot = index % CACHE_SIZE;
    if (this.cachedIndex[slot] === index) return this.cachedSpec[slot]!.kind;
    return new Rng(mix(this.token(index), SPEC_STREAM)).weighted(KINDS);
  }

  /** The nearest resource before `index`, within `distance`, of one of the kinds. */
  private lookBack(index: number, distance: number, kinds: ReadonlySet<ResourceKind>): SimSpec | undefined {
    for (let j = index - 1; j >= 0 && j >= index - distance; j--) {
      if (kinds.has(this.kindOf(j))) return this.resource(j);
    }
    return undefined;
  }

  private generate(index: number): SimSpec {
    const token32 = this.token(index);
    const token = hex8(token32);
    const rng = new Rng(mix(token32, SPEC_STREAM));
    // The kind must stay the first draw: kindOf() reads it alone.
    const kind = rng.weighted(KINDS);
    // A disk's VM, an address's VM or load balancer, a snapshot's disk: the linked resource
    // shares its host's region, zone, team and environment, and came after it.
    const link = LINKS[kind];
    const host = link && rng.chance(link.share) ? this.lookBack(index, link.distance, link.kinds) : undefined;
    const region = host ? host.region : rng.weighted(this.regions);
    const variant = rng.weighted(this.catalog.variants[kind]);
    const zone = !variant.zonal ? null : host?.zone ?? rng.pick(region.zones);
    const team = host ? host.team : rng.pick(TEAMS);
    const env = host ? host.env : rng.weighted(ENVS);
    const role = rng.pick(ROLES[kind]);
    const tags = drawTags(rng, kind, team, env);
    const size = rng.weighted(variant.sizes);
    const profile = drawProfile(rng, env);
    const created_ms = Math.floor(rng.between(host ? host.created_ms : CREATED_FROM, CREATED_TO) / 1000) * 1000;
    const discount = COMPUTE.has(kind) && rng.chance(env === 'prod' ? 0.45 : 0.12) ? Math.round(rng.between(8, 30)) / 100 : 0;
    let active = true;
    let size_gb = 0;
    let storage_gb = 0;
    let node_count = 1;
    let attached_to: string | null = null;
    let last_attached_ms: number | null = null;
    let details = variant.details ?? null;

    switch (kind) {
      case 'vm':
        active = !rng.chance(STOPPED_VMS[env]);
        storage_gb = rng.pick(this.catalog.boot_disk_gb);
        break;
      case 'database':
        active = variant.states[1] === null || !rng.chance(env === 'prod' ? 0.01 : 0.05);
        storage_gb = rng.pick(DB_STORAGE_GB);
        break;
      case 'k8s_node_pool':
        node_count = rng.pick(NODE_COUNTS);
        break;
      case 'bucket':
        size_gb = Math.round(rng.logBetween(BUCKET_GB) * 100) / 100;
        break;
      case 'disk':
      case 'ip_address':
        if (kind === 'disk') size_gb = rng.weighted(DISK_GB);
        else details = { ip_address: `${rng.pick(this.catalog.ip_first_octets)}.${rng.uint32() & 255}.${rng.uint32() & 255}.${1 + (rng.uint32() % 254)}` };
        if (host) {
          attached_to = host.provider_resource_id;
        } else {
          active = false;
          if (rng.chance(0.6)) last_attached_ms = Math.floor(rng.between(created_ms, CREATED_TO) / 1000) * 1000;
        }
        break;
      case 'snapshot':
        if (host) {
          size_gb = host.size_gb;
          details = { source_id: host.provider_resource_id };
        } else {
          // The source disk is gone: an orphaned snapshot, a classic saving.
          size_gb = rng.weighted(DISK_GB);
          const disk = rng.weighted(this.catalog.variants.disk);
          const sourceToken = hex8(rng.uint32());
          const name = disk.name({ team, env, role: 'data', token: sourceToken });
          const parts = { account_id: this.account.account_id, region: region.name, zone: region.zones[0]!, name, token: sourceToken, hex: rng.hex(16), group: `${team}-${env}` };
          details = { source_id: disk.id(parts) };
        }
        break;
      case 'load_balancer':
        break;
    }

    const name = variant.name({ team, env, role, token });
    const provider_resource_id = variant.id({ account_id: this.account.account_id, region: region.name, zone, name, token, hex: rng.hex(16), group: `${team}-${env}` });
    return {
      seed: mix(token32, this.config.seed),
      kind,
      variant,
      provider_resource_id,
      name,
      team,
      env,
      region,
      zone,
      created_ms,
      active,
      size,
      size_gb,
      tags,
      node_count,
      storage_gb,
      attached_to,
      last_attached_ms,
      discount,
      profile,
      details,
    };
  }
}

function drawTags(rng: Rng, kind: ResourceKind, team: string, env: Env): Record<string, string> {
  const untagged = rng.chance(UNTAGGED[kind]);
  const hasEnv = rng.next() >= 0.04;
  const hasTeam = rng.next() >= 0.07;
  const hasOwner = rng.next() >= 0.22;
  const hasCostCenter = rng.next() >= 0.18;
  const owner = rng.pick(OWNERS);
  const tags: Record<string, string> = {};
  if (untagged) return tags;
  if (hasEnv) tags.env = env;
  if (hasTeam) tags.team = team;
  if (hasOwner) tags.owner = owner;
  if (hasCostCenter) tags['cost-center'] = `cc-${4100 + TEAMS.indexOf(team) * 10}`;
  return tags;
}

function drawProfile(rng: Rng, env: Env): UsageProfile {
  const band = rng.weighted(BANDS[env]);
  return {
    cpu_p95: rng.between(band.cpu_p95[0], band.cpu_p95[1]),
    cpu_ratio: rng.between(band.cpu_ratio[0], band.cpu_ratio[1]),
    memory: rng.between(band.memory[0], band.memory[1]),
    network_bytes: rng.logBetween(band.network_bytes),
    requests: rng.logBetween(band.requests),
    weekend: env === 'prod' ? rng.between(0.75, 0.95) : rng.between(0.35, 0.7),
    storage_used_pct: rng.between(5, 95),
  };
}
