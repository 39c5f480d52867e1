/**
 * What each provider offers, in its own vocabulary: regions and zones, sizes with approximate
 * on-demand list prices (USD, in the provider's cheapest large US region, early 2026), resource id
 * shapes, states, and FOCUS service names. Regional prices are the base price times the region's
 * multiplier, computed once here.
 */
import type { CloudProvider, ResourceKind } from '../adapter.ts';
import { decimalText, roundPrice } from './format.ts';
import { weighted, type WeightedTable } from './random.ts';

export interface Region {
  name: string;
  zones: readonly string[];
  /** Position in the provider's region list, which indexes Sku.prices. */
  index: number;
  /** How much of a typical fleet runs there. */
  weight: number;
  multiplier: number;
}

export interface Sku {
  /** The provider's size, class, tier, type or storage class name. */
  name: string;
  vcpus?: number;
  memory_gb?: number;
  /** Priced per hour (compute, addresses, load balancers) or per GB-month (storage): exactly one is set. */
  hourly?: number;
  gb_month?: number;
  /** Regional list price by Region.index, and the same as a decimal string for metadata. */
  prices: readonly number[];
  price_texts: readonly string[];
}

export interface NameParts {
  team: string;
  env: string;
  role: string;
  /** 8 hex digits unique to the resource within its account; every id ends with it. */
  token: string;
}

export interface IdParts {
  account_id: string;
  region: string;
  zone: string | null;
  name: string;
  token: string;
  /** 16 random hex digits for the parts of provider ids that are opaque. */
  hex: string;
  /** team-env: the resource group (rg-<group>), Kubernetes cluster or SQL server (sql-<group>) of the resource. */
  group: string;
}

/** One resource type of a provider (an EC2 instance, an Azure PostgreSQL flexible server, ...). */
export interface Variant {
  kind: ResourceKind;
  provider_type: string;
  service_name: string;
  service_category: 'Compute' | 'Databases' | 'Networking' | 'Storage';
  /** The metadata key of the size (instance_type, size, machine_type, ...); null where there is none. */
  size_key: string | null;
  /** What the resource can be and be resized to. */
  sizes: WeightedTable<Sku>;
  /** The provider's state when active (running, attached) and when not; null where there is none. */
  states: readonly [string | null, string | null];
  zonal: boolean;
  name: (parts: NameParts) => string;
  id: (parts: IdParts) => string;
  /** Fixed metadata of every resource of this variant (engine and version of a database offering). */
  details?: Readonly<Record<string, unknown>>;
  /** Storage billed whether or not the resource runs: a VM's boot disk, a database's allocated storage. */
  storage?: Sku;
}

export interface ProviderCatalog {
  provider: CloudProvider;
  regions: readonly Region[];
  variants: Readonly<Record<ResourceKind, WeightedTable<Variant>>>;
  boot_disk_gb: readonly number[];
  /** First octets of the provider's public IPv4 ranges, for plausible addresses. */
  ip_first_octets: readonly number[];
}

type SkuRow = readonly [name: string, vcpus: number, memory_gb: number, hourly: number, weight: number];
type StorageRow = readonly [name: string, gb_month: number, weight: number];

function regions(rows: readonly (readonly [string, readonly string[], number, number])[]): Region[] {
  return rows.map(([name, zones, weight, multiplier], index) => ({ name, zones, index, weight, multiplier }));
}

function priced(regionList: readonly Region[], sku: Omit<Sku, 'prices' | 'price_texts'>): Sku {
  const base = sku.hourly ?? sku.gb_month ?? 0;
  const prices = regionList.map((region) => roundPrice(base * region.multiplier));
  return { ...sku, prices, price_texts: prices.map((price) => decimalText(price, 6)) };
}

function computeSkus(regionList: readonly Region[], rows: readonly SkuRow[]): WeightedTable<Sku> {
  return weighted(rows.map(([name, vcpus, memory_gb, hourly, weight]) => [priced(regionList, { name, vcpus, memory_gb, hourly }), weight] as const));
}

function storageSkus(regionList: readonly Region[], rows: readonly StorageRow[]): WeightedTable<Sku> {
  return weighted(rows.map(([name, gb_month, weight]) => [priced(regionList, { name, gb_month }), weight] as const));
}

function hourlySkus(regionList: readonly Region[], rows: readonly (readonly [string, number, number])[]): WeightedTable<Sku> {
  return weighted(rows.map(([name, hourly, weight]) => [priced(regionList, { name, hourly }), weight] as const));
}

function skuNamed(table: WeightedTable<Sku>, name: string): Sku {
  const sku = table.items.find((item) => item.name === name);
  if (!sku) throw new Error(`catalog: no sku ${name}`);
  return sku;
}

function only(variant: Variant): WeightedTable<Variant> {
  return weighted([[variant, 1]]);
}

const standardName = (prefix: string) => (p: NameParts) => `${prefix}${p.team}-${p.role}-${p.env}-${p.token}`;

// ---------------------------------------------------------------------------------------- AWS

function awsCatalog(): ProviderCatalog {
  const regionList = regions([
    ['us-east-1', ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f'], 40, 1],
    ['us-east-2', ['us-east-2a', 'us-east-2b', 'us-east-2c'], 12, 1],
    ['us-west-2', ['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d'], 15, 1],
    ['eu-west-1', ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'], 12, 1.1],
    ['eu-central-1', ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'], 8, 1.15],
    ['ap-southeast-1', ['ap-southeast-1a', 'ap-southeast-1b', 'ap-southeast-1c'], 5, 1.2],
    ['ap-northeast-1', ['ap-northeast-1a', 'ap-northeast-1c', 'ap-northeast-1d'], 5, 1.25],
    ['sa-east-1', ['sa-east-1a', 'sa-east-1b', 'sa-east-1c'], 3, 1.55],
  ]);
  const instanceTypes = computeSkus(regionList, [
    ['t3.micro', 2, 1, 0.0104, 3],
    ['t3.small', 2, 2, 0.0208, 4],
    ['t3.medium', 2, 4, 0.0416, 8],
    ['t3.large', 2, 8, 0.0832, 7],
    ['t3.xlarge', 4, 16, 0.1664, 3],
    ['m5.large', 2, 8, 0.096, 8],
    ['m5.xlarge', 4, 16, 0.192, 8],
    ['m5.2xlarge', 8, 32, 0.384, 5],
    ['m5.4xlarge', 16, 64, 0.768, 2],
    ['m6i.large', 2, 8, 0.096, 6],
    ['m6i.xlarge', 4, 16, 0.192, 6],
    ['m6i.2xlarge', 8, 32, 0.384, 4],
    ['m7g.large', 2, 8, 0.0816, 3],
    ['m7g.xlarge', 4, 16, 0.1632, 3],
    ['c6i.large', 2, 4, 0.085, 4],
    ['c6i.xlarge', 4, 8, 0.17, 4],
    ['c6i.2xlarge', 8, 16, 0.34, 3],
    ['c6i.4xlarge', 16, 32, 0.68, 1],
    ['r6i.large', 2, 16, 0.126, 3],
    ['r6i.xlarge', 4, 32, 0.252, 3],
    ['r6i.2xlarge', 8, 64, 0.504, 2],
    ['g5.xlarge', 4, 16, 1.006, 1],
  ]);
  const dbClasses = computeSkus(regionList, [
    ['db.t3.micro', 2, 1, 0.017, 3],
    ['db.t3.medium', 2, 4, 0.068, 6],
    ['db.t4g.medium', 2, 4, 0.065, 5],
    ['db.m5.large', 2, 8, 0.171, 5],
    ['db.m6g.large', 2, 8, 0.152, 5],
    ['db.m6g.xlarge', 4, 16, 0.304, 4],
    ['db.m6g.2xlarge', 8, 32, 0.608, 2],
    ['db.r6g.large', 2, 16, 0.225, 5],
    ['db.r6g.xlarge', 4, 32, 0.45, 4],
    ['db.r6g.2xlarge', 8, 64, 0.899, 2],
    ['db.r5.4xlarge', 16, 128, 2.0, 1],
  ]);
  const volumeTypes = storageSkus(regionList, [
    ['gp3', 0.08, 10],
    ['gp2', 0.1, 6],
    ['io2', 0.125, 1],
    ['st1', 0.045, 1],
    ['sc1', 0.015, 1],
  ]);
  const rdsStorage = priced(regionList, { name: 'gp3', gb_month: 0.115 });
  const arn = (service: string, p: IdParts, resource: string) => `arn:aws:${service}:${p.region}:${p.account_id}:${resource}`;
  const rds = (engine: string, engine_version: string): Variant => ({
    kind: 'database',
    provider_type: 'AWS::RDS::DBInstance',
    service_name: 'Amazon Relational Database Service',
    service_category: 'Databases',
    size_key: 'instance_class',
    sizes: dbClasses,
    states: ['available', 'stopped'],
    zonal: true,
    name: standardName(''),
    id: (p) => arn('rds', p, `db:${p.name}`),
    details: { engine, engine_version },
    storage: rdsStorage,
  });
  const elb = (lb_path: string, name: string, hourly: number): Variant => ({
    kind: 'load_balancer',
    provider_type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    service_name: 'Elastic Load Balancing',
    service_category: 'Networking',
    size_key: 'lb_type',
    sizes: hourlySkus(regionList, [[name, hourly, 1]]),
    states: ['active', null],
    zonal: false,
    // ELB names are at most 32 characters.
    name: (p) => `${p.team}-${p.env}-${p.token}`,
    id: (p) => arn('elasticloadbalancing', p, `loadbalancer/${lb_path}/${p.name}/${p.hex.slice(0, 8)}${p.token}`),
  });
  return {
    provider: 'AWS',
    regions: regionList,
    boot_disk_gb: [8, 20, 30, 50, 100],
    ip_first_octets: [3, 18, 34, 44, 52, 54],
    variants: {
      vm: only({
        kind: 'vm',
        provider_type: 'AWS::EC2::Instance',
        service_name: 'Amazon Elastic Compute Cloud',
        service_category: 'Compute',
        size_key: 'instance_type',
        sizes: instanceTypes,
        states: ['running', 'stopped'],
        zonal: true,
        name: standardName(''),
        id: (p) => arn('ec2', p, `instance/i-${p.hex.slice(0, 9)}${p.token}`),
        storage: skuNamed(volumeTypes, 'gp3'),
      }),
      database: weighted([
        [rds('postgres', '16.4'), 5],
        [rds('mysql', '8.0.39'), 4],
        [rds('mariadb', '10.11.9'), 1],
      ]),
      disk: only({
        kind: 'disk',
        provider_type: 'AWS::EC2::Volume',
        service_name: 'Amazon Elastic Compute Cloud',
        service_category: 'Storage',
        size_key: 'volume_type',
        sizes: volumeTypes,
        states: ['in-use', 'available'],
        zonal: true,
        name: standardName(''),
        id: (p) => arn('ec2', p, `volume/vol-${p.hex.slice(0, 9)}${p.token}`),
      }),
      snapshot: only({
        kind: 'snapshot',
        provider_type: 'AWS::EC2::Snapshot',
        service_name: 'Amazon Elastic Compute Cloud',
        service_category: 'Storage',
        size_key: 'storage_tier',
        sizes: storageSkus(regionList, [
          ['standard', 0.05, 9],
          ['archive', 0.0125, 1],
        ]),
        states: ['completed', null],
        zonal: false,
        name: standardName('snap-'),
        id: (p) => arn('ec2', p, `snapshot/snap-${p.hex.slice(0, 9)}${p.token}`),
      }),
      ip_address: only({
        kind: 'ip_address',
        provider_type: 'AWS::EC2::EIP',
        service_name: 'Amazon Virtual Private Cloud',
        service_category: 'Networking',
        size_key: null,
        sizes: hourlySkus(regionList, [['public-ipv4', 0.005, 1]]),
        states: ['in-use', 'available'],
        zonal: false,
        name: standardName('eip-'),
        id: (p) => arn('ec2', p, `elastic-ip/eipalloc-${p.hex.slice(0, 9)}${p.token}`),
      }),
      load_balancer: weighted([
        [elb('app', 'application', 0.0225), 6],
        [elb('net', 'network', 0.0225), 3],
      ]),
      bucket: only({
        kind: 'bucket',
        provider_type: 'AWS::S3::Bucket',
        service_name: 'Amazon Simple Storage Service',
        service_category: 'Storage',
        size_key: 'storage_class',
        sizes: storageSkus(regionList, [
          ['STANDARD', 0.023, 10],
          ['STANDARD_IA', 0.0125, 3],
          ['INTELLIGENT_TIERING', 0.023, 3],
          ['GLACIER_IR', 0.004, 1],
          ['DEEP_ARCHIVE', 0.00099, 1],
        ]),
        states: [null, null],
        zonal: false,
        name: standardName(''),
        id: (p) => `arn:aws:s3:::${p.name}`,
      }),
      k8s_node_pool: only({
        kind: 'k8s_node_pool',
        provider_type: 'AWS::EKS::Nodegroup',
        // Managed node groups are billed as the EC2 instances they run.
        service_name: 'Amazon Elastic Compute Cloud',
        service_category: 'Compute',
        size_key: 'instance_type',
        sizes: instanceTypes,
        states: ['active', null],
        zonal: false,
        name: (p) => `${p.role}-${p.env}-${p.token}`,
        id: (p) =>
          arn('eks', p, `nodegroup/${p.group}/${p.name}/${p.hex.slice(0, 8)}-${p.hex.slice(8, 12)}-${p.hex.slice(12, 16)}-${p.token.slice(0, 4)}-${p.hex.slice(0, 4)}${p.token}`),
      }),
    },
  };
}

// -------------------------------------------------------------------------------------- Azure

function azureCatalog(): ProviderCatalog {
  const zones = ['1', '2', '3'];
  const regionList = regions([
    ['eastus', zones, 40, 1],
    ['eastus2', zones, 15, 1],
    ['westus2', zones, 10, 1],
    ['westeurope', zones, 14, 1.12],
    ['northeurope', zones, 8, 1.08],
    ['uksouth', zones, 5, 1.1],
    ['southeastasia', zones, 4, 1.18],
    ['japaneast', zones, 4, 1.25],
  ]);
  const vmSizes = computeSkus(regionList, [
    ['Standard_B1s', 1, 1, 0.0104, 3],
    ['Standard_B2s', 2, 4, 0.0416, 7],
    ['Standard_B2ms', 2, 8, 0.0832, 5],
    ['Standard_B4ms', 4, 16, 0.166, 3],
    ['Standard_D2s_v5', 2, 8, 0.096, 9],
    ['Standard_D4s_v5', 4, 16, 0.192, 9],
    ['Standard_D8s_v5', 8, 32, 0.384, 5],
    ['Standard_D16s_v5', 16, 64, 0.768, 2],
    ['Standard_D2as_v5', 2, 8, 0.086, 4],
    ['Standard_D4as_v5', 4, 16, 0.172, 4],
    ['Standard_E2s_v5', 2, 16, 0.126, 3],
    ['Standard_E4s_v5', 4, 32, 0.252, 3],
    ['Standard_E8s_v5', 8, 64, 0.504, 2],
    ['Standard_F2s_v2', 2, 4, 0.0846, 3],
    ['Standard_F4s_v2', 4, 8, 0.169, 3],
    ['Standard_F8s_v2', 8, 16, 0.338, 2],
    ['Standard_NC4as_T4_v3', 4, 28, 0.526, 1],
  ]);
  const flexibleSkus = computeSkus(regionList, [
    ['Standard_B1ms', 1, 2, 0.0207, 3],
    ['Standard_B2s', 2, 4, 0.0828, 4],
    ['Standard_D2ds_v5', 2, 8, 0.178, 5],
    ['Standard_D4ds_v5', 4, 16, 0.356, 4],
    ['Standard_D8ds_v5', 8, 32, 0.712, 2],
    ['Standard_E4ds_v5', 4, 32, 0.46, 2],
  ]);
  const sqlSkus = computeSkus(regionList, [
    ['GP_Gen5_2', 2, 10.2, 0.5044, 4],
    ['GP_Gen5_4', 4, 20.4, 1.0088, 3],
    ['GP_Gen5_8', 8, 40.8, 2.0176, 1],
    ['BC_Gen5_2', 2, 10.2, 1.3589, 1],
  ]);
  const diskSkus = storageSkus(regionList, [
    ['Premium_LRS', 0.135, 7],
    ['StandardSSD_LRS', 0.075, 6],
    ['Standard_LRS', 0.045, 3],
    ['PremiumV2_LRS', 0.12, 1],
  ]);
  const dbStorage = priced(regionList, { name: 'Premium_LRS', gb_month: 0.115 });
  const armId = (p: IdParts, type: string) => `/subscriptions/${p.account_id}/resourceGroups/rg-${p.group}/providers/${type}/${p.name}`;
  const flexible = (provider_type: string, service_name: string, prefix: string, engine: string, engine_version: string): Variant => ({
    kind: 'database',
    provider_type,
    service_name,
    service_category: 'Databases',
    size_key: 'sku',
    sizes: flexibleSkus,
    states: ['ready', 'stopped'],
    zonal: true,
    name: standardName(prefix),
    id: (p) => armId(p, provider_type),
    details: { engine, engine_version },
    storage: dbStorage,
  });
  const gateway = (name: string, hourly: number): Variant => ({
    kind: 'load_balancer',
    provider_type: 'Microsoft.Network/applicationGateways',
    service_name: 'Application Gateway',
    service_category: 'Networking',
    size_key: 'sku',
    sizes: hourlySkus(regionList, [[name, hourly, 1]]),
    states: ['succeeded', null],
    zonal: false,
    name: standardName('agw-'),
    id: (p) => armId(p, 'Microsoft.Network/applicationGateways'),
  });
  return {
    provider: 'AZURE',
    regions: regionList,
    boot_disk_gb: [30, 64, 128],
    ip_first_octets: [20, 40, 52, 104],
    variants: {
      vm: only({
        kind: 'vm',
        provider_type: 'Microsoft.Compute/virtualMachines',
        service_name: 'Virtual Machines',
        service_category: 'Compute',
        size_key: 'size',
        sizes: vmSizes,
        // Stopping a VM only deallocated stops its compute charges; that is what a cost tool does.
        states: ['running', 'deallocated'],
        zonal: true,
        name: standardName('vm-'),
        id: (p) => armId(p, 'Microsoft.Compute/virtualMachines'),
        storage: skuNamed(diskSkus, 'Premium_LRS'),
      }),
      database: weighted([
        [flexible('Microsoft.DBforPostgreSQL/flexibleServers', 'Azure Database for PostgreSQL', 'psql-', 'postgresql', '16'), 5],
        [flexible('Microsoft.DBforMySQL/flexibleServers', 'Azure Database for MySQL', 'mysql-', 'mysql', '8.0.21'), 2],
        [
          {
            kind: 'database',
            provider_type: 'Microsoft.Sql/servers/databases',
            service_name: 'SQL Database',
            service_category: 'Databases',
            size_key: 'sku',
            sizes: sqlSkus,
            // A provisioned Azure SQL database cannot be stopped.
            states: ['online', null],
            zonal: false,
            name: standardName('sqldb-'),
            id: (p) => `/subscriptions/${p.account_id}/resourceGroups/rg-${p.group}/providers/Microsoft.Sql/servers/sql-${p.group}/databases/${p.name}`,
            details: { engine: 'sqlserver', engine_version: '12.0' },
            storage: dbStorage,
          },
          3,
        ],
      ]),
      disk: only({
        kind: 'disk',
        provider_type: 'Microsoft.Compute/disks',
        service_name: 'Storage',
        service_category: 'Storage',
        size_key: 'sku',
        sizes: diskSkus,
        states: ['attached', 'unattached'],
        zonal: true,
        name: standardName('disk-'),
        id: (p) => armId(p, 'Microsoft.Compute/disks'),
      }),
      snapshot: only({
        kind: 'snapshot',
        provider_type: 'Microsoft.Compute/snapshots',
        service_name: 'Storage',
        service_category: 'Storage',
        size_key: 'sku',
        sizes: storageSkus(regionList, [
          ['Standard_LRS', 0.05, 8],
          ['Standard_ZRS', 0.0625, 2],
        ]),
        states: ['succeeded', null],
        zonal: false,
        name: standardName('snap-'),
        id: (p) => armId(p, 'Microsoft.Compute/snapshots'),
      }),
      ip_address: only({
        kind: 'ip_address',
        provider_type: 'Microsoft.Network/publicIPAddresses',
        service_name: 'Virtual Network',
        service_category: 'Networking',
        size_key: 'sku',
        sizes: hourlySkus(regionList, [['Standard', 0.005, 1]]),
        states: ['associated', 'unassociated'],
        zonal: false,
        name: standardName('pip-'),
        id: (p) => armId(p, 'Microsoft.Network/publicIPAddresses'),
      }),
      load_balancer: weighted([
        [
          {
            kind: 'load_balancer',
            provider_type: 'Microsoft.Network/loadBalancers',
            service_name: 'Load Balancer',
            service_category: 'Networking',
            size_key: 'sku',
            sizes: hourlySkus(regionList, [['Standard', 0.025, 1]]),
            states: ['succeeded', null],
            zonal: false,
            name: standardName('lb-'),
            id: (p) => armId(p, 'Microsoft.Network/loadBalancers'),
          },
          5,
        ],
        [gateway('Standard_v2', 0.246), 3],
        [gateway('WAF_v2', 0.443), 1],
      ]),
      bucket: only({
        kind: 'bucket',
        provider_type: 'Microsoft.Storage/storageAccounts',
        service_name: 'Storage',
        service_category: 'Storage',
        size_key: 'storage_class',
        sizes: storageSkus(regionList, [
          ['Hot', 0.0184, 8],
          ['Cool', 0.01, 4],
          ['Cold', 0.0036, 1],
          ['Archive', 0.00099, 1],
        ]),
        states: ['available', null],
        zonal: false,
        // Storage account names: 3-24 lower-case letters and digits.
        name: (p) => `st${p.team.replaceAll('-', '').slice(0, 8)}${p.env.slice(0, 4)}${p.token}`,
        id: (p) => armId(p, 'Microsoft.Storage/storageAccounts'),
      }),
      k8s_node_pool: only({
        kind: 'k8s_node_pool',
        provider_type: 'Microsoft.ContainerService/managedClusters/agentPools',
        // AKS nodes are billed as the VMs of the cluster's node resource group.
        service_name: 'Virtual Machines',
        service_category: 'Compute',
        size_key: 'size',
        sizes: vmSizes,
        states: ['running', null],
        zonal: false,
        // Agent pool names: at most 12 lower-case letters and digits.
        name: (p) => `np${p.token}`,
        id: (p) =>
          `/subscriptions/${p.account_id}/resourceGroups/rg-${p.group}/providers/Microsoft.ContainerService/managedClusters/${p.group}/agentPools/${p.name}`,
      }),
    },
  };
}

// ---------------------------------------------------------------------------------------- GCP

function gcpCatalog(): ProviderCatalog {
  const zonesOf = (region: string, letters: string) => [...letters].map((letter) => `${region}-${letter}`);
  const regionList = regions([
    ['us-central1', zonesOf('us-central1', 'abcf'), 40, 1],
    ['us-east1', zonesOf('us-east1', 'bcd'), 15, 1],
    ['us-west1', zonesOf('us-west1', 'abc'), 10, 1],
    ['europe-west1', zonesOf('europe-west1', 'bcd'), 12, 1.1],
    ['europe-west4', zonesOf('europe-west4', 'abc'), 8, 1.12],
    ['asia-southeast1', zonesOf('asia-southeast1', 'abc'), 5, 1.2],
    ['asia-northeast1', zonesOf('asia-northeast1', 'abc'), 5, 1.28],
    ['southamerica-east1', zonesOf('southamerica-east1', 'abc'), 5, 1.5],
  ]);
  const machineTypes = computeSkus(regionList, [
    ['e2-micro', 2, 1, 0.00838, 3],
    ['e2-small', 2, 2, 0.01675, 4],
    ['e2-medium', 2, 4, 0.03351, 7],
    ['e2-standard-2', 2, 8, 0.06701, 8],
    ['e2-standard-4', 4, 16, 0.13402, 8],
    ['e2-standard-8', 8, 32, 0.26805, 4],
    ['n2-standard-2', 2, 8, 0.09712, 6],
    ['n2-standard-4', 4, 16, 0.19423, 7],
    ['n2-standard-8', 8, 32, 0.38846, 4],
    ['n2-standard-16', 16, 64, 0.77693, 2],
    ['n2-highmem-4', 4, 32, 0.26197, 3],
    ['n2-highmem-8', 8, 64, 0.52395, 2],
    ['n2d-standard-4', 4, 16, 0.16899, 3],
    ['c2-standard-8', 8, 32, 0.4176, 2],
    ['c3-standard-4', 4, 16, 0.20136, 2],
    ['t2d-standard-4', 4, 16, 0.16899, 2],
    ['g2-standard-4', 4, 16, 0.70683, 1],
  ]);
  const tiers = computeSkus(regionList, [
    ['db-f1-micro', 1, 0.6, 0.0105, 3],
    ['db-g1-small', 1, 1.7, 0.035, 3],
    ['db-custom-1-3840', 1, 3.75, 0.0676, 3],
    ['db-custom-2-7680', 2, 7.5, 0.1351, 5],
    ['db-custom-4-15360', 4, 15, 0.2702, 4],
    ['db-custom-8-30720', 8, 30, 0.5404, 2],
    ['db-custom-16-61440', 16, 60, 1.0808, 1],
  ]);
  const diskTypes = storageSkus(regionList, [
    ['pd-balanced', 0.1, 8],
    ['pd-ssd', 0.17, 3],
    ['pd-standard', 0.04, 4],
    ['hyperdisk-balanced', 0.08, 1],
  ]);
  const compute = (p: IdParts, path: string) => `//compute.googleapis.com/projects/${p.account_id}/${path}/${p.name}`;
  const cloudSql = (engine: string, engine_version: string): Variant => ({
    kind: 'database',
    provider_type: 'sqladmin.googleapis.com/Instance',
    service_name: 'Cloud SQL',
    service_category: 'Databases',
    size_key: 'tier',
    sizes: tiers,
    states: ['runnable', 'stopped'],
    zonal: true,
    name: standardName(''),
    id: (p) => `//cloudsql.googleapis.com/projects/${p.account_id}/instances/${p.name}`,
    details: { engine, engine_version },
    storage: priced(regionList, { name: 'PD_SSD', gb_month: 0.17 }),
  });
  const forwardingRule = (scheme: string, weight: number) =>
    [
      {
        kind: 'load_balancer',
        provider_type: 'compute.googleapis.com/ForwardingRule',
        service_name: 'Networking',
        service_category: 'Networking',
        size_key: 'load_balancing_scheme',
        sizes: hourlySkus(regionList, [[scheme, 0.025, 1]]),
        states: [null, null],
        zonal: false,
        name: standardName('fr-'),
        id: (p) => compute(p, `regions/${p.region}/forwardingRules`),
      } satisfies Variant,
      weight,
    ] as const;
  return {
    provider: 'GCP',
    regions: regionList,
    boot_disk_gb: [10, 20, 50, 100],
    ip_first_octets: [34, 35, 104, 130],
    variants: {
      vm: only({
        kind: 'vm',
        provider_type: 'compute.googleapis.com/Instance',
        service_name: 'Compute Engine',
        service_category: 'Compute',
        size_key: 'machine_type',
        sizes: machineTypes,
        states: ['running', 'terminated'],
        zonal: true,
        name: standardName(''),
        id: (p) => compute(p, `zones/${p.zone}/instances`),
        storage: skuNamed(diskTypes, 'pd-balanced'),
      }),
      database: weighted([
        [cloudSql('postgres', 'POSTGRES_16'), 5],
        [cloudSql('mysql', 'MYSQL_8_0'), 3],
      ]),
      disk: only({
        kind: 'disk',
        provider_type: 'compute.googleapis.com/Disk',
        service_name: 'Compute Engine',
        service_category: 'Storage',
        size_key: 'disk_type',
        sizes: diskTypes,
        // A GCP disk is READY whether or not an instance uses it; attached_to tells.
        states: ['ready', 'ready'],
        zonal: true,
        name: standardName(''),
        id: (p) => compute(p, `zones/${p.zone}/disks`),
      }),
      snapshot: only({
        kind: 'snapshot',
        provider_type: 'compute.googleapis.com/Snapshot',
        service_name: 'Compute Engine',
        service_category: 'Storage',
        size_key: 'storage_tier',
        sizes: storageSkus(regionList, [
          ['STANDARD', 0.05, 9],
          ['ARCHIVE', 0.019, 1],
        ]),
        states: ['ready', null],
        zonal: false,
        name: standardName('snap-'),
        id: (p) => compute(p, 'global/snapshots'),
      }),
      ip_address: only({
        kind: 'ip_address',
        provider_type: 'compute.googleapis.com/Address',
        service_name: 'Compute Engine',
        service_category: 'Networking',
        size_key: 'network_tier',
        sizes: hourlySkus(regionList, [['PREMIUM', 0.005, 1]]),
        states: ['in_use', 'reserved'],
        zonal: false,
        name: standardName('ip-'),
        id: (p) => compute(p, `regions/${p.region}/addresses`),
      }),
      load_balancer: weighted([forwardingRule('EXTERNAL_MANAGED', 5), forwardingRule('EXTERNAL', 2), forwardingRule('INTERNAL_MANAGED', 3)]),
      bucket: only({
        kind: 'bucket',
        provider_type: 'storage.googleapis.com/Bucket',
        service_name: 'Cloud Storage',
        service_category: 'Storage',
        size_key: 'storage_class',
        sizes: storageSkus(regionList, [
          ['STANDARD', 0.02, 10],
          ['NEARLINE', 0.01, 3],
          ['COLDLINE', 0.004, 2],
          ['ARCHIVE', 0.0012, 1],
        ]),
        states: [null, null],
        zonal: false,
        name: standardName(''),
        id: (p) => `//storage.googleapis.com/${p.name}`,
      }),
      k8s_node_pool: only({
        kind: 'k8s_node_pool',
        provider_type: 'container.googleapis.com/NodePool',
        // GKE nodes are billed as Compute Engine instances.
        service_name: 'Compute Engine',
        service_category: 'Compute',
        size_key: 'machine_type',
        sizes: machineTypes,
        states: ['running', null],
        zonal: false,
        name: standardName(''),
        id: (p) => `//container.googleapis.com/projects/${p.account_id}/locations/${p.region}/clusters/${p.group}/nodePools/${p.name}`,
      }),
    },
  };
}

export const CATALOGS: Readonly<Record<CloudProvider, ProviderCatalog>> = {
  AWS: awsCatalog(),
  AZURE: azureCatalog(),
  GCP: gcpCatalog(),
};
