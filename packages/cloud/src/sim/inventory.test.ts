import { beforeAll, describe, expect, it } from 'vitest';
import { CLOUD_PROVIDERS } from '@stratus/db';
import { RESOURCE_KINDS, type CloudProvider, type DiscoveredResource, type ResourceKind } from '../adapter.ts';
import { createSimAdapter, simUtilizationHistory } from './index.ts';
import { ACCOUNT_IDS, clock, collect, NOW, simAccount } from './testing.ts';

const discover = (account: ReturnType<typeof simAccount>) => collect(createSimAdapter(account, { now: clock }).discover());

const ofKind = (resources: DiscoveredResource[], kind: ResourceKind) => resources.filter((resource) => resource.type === kind);

describe('sim inventory', () => {
  it('is deterministic: the same settings give byte-identical inventories, another seed another one', async () => {
    const first = await discover(simAccount('AWS', { resources: 2_000 }));
    const second = await discover(simAccount('AWS', { resources: 2_000 }));
    expect(first).toHaveLength(2_000);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));

    const other = await discover(simAccount('AWS', { resources: 2_000, seed: 'other' }));
    const ids = new Set(first.map((resource) => resource.provider_resource_id));
    expect(other.filter((resource) => ids.has(resource.provider_resource_id))).toHaveLength(0);
  });

  it('seeds from the account id by default', async () => {
    const unseeded = (id: string) => ({ ...simAccount('GCP', {}, id), settings: { sim: { resources: 50 } } });
    const a = await discover(unseeded('6d7a3f1e-6a34-4d55-8f0e-3c1b9c7f2a10'));
    expect(a).toHaveLength(50);
    expect(await discover(unseeded('6d7a3f1e-6a34-4d55-8f0e-3c1b9c7f2a10'))).toEqual(a);
    expect((await discover(unseeded('0b4f9c2d-1e8a-4f6b-9d3c-7a5e2b1c8f90')))[0]!.provider_resource_id).not.toBe(a[0]!.provider_resource_id);
  });

  it('keeps resource i stable when the fleet shrinks or grows', async () => {
    const mid = await discover(simAccount('AZURE', { resources: 1_000 }));
    const small = await discover(simAccount('AZURE', { resources: 900 }));
    const large = await discover(simAccount('AZURE', { resources: 1_100 }));
    expect(JSON.stringify(small)).toBe(JSON.stringify(mid.slice(0, 900)));
    expect(JSON.stringify(large.slice(0, 1_000))).toBe(JSON.stringify(mid));
  });

  it('streams pages of at most 2,000 resources', async () => {
    const sizes: number[] = [];
    for await (const page of createSimAdapter(simAccount('AWS', { resources: 5_000 })).discover()) sizes.push(page.length);
    expect(sizes).toEqual([2_000, 2_000, 1_000]);
    expect(await collect(createSimAdapter(simAccount('AWS', { resources: 0 })).discover())).toEqual([]);
  });

  describe.each<[CloudProvider, Record<ResourceKind, RegExp>, RegExp, RegExp]>([
    [
      'AWS',
      {
        vm: /^arn:aws:ec2:[a-z0-9-]+:123456789012:instance\/i-[0-9a-f]{17}$/,
        database: /^arn:aws:rds:[a-z0-9-]+:123456789012:db:[a-z][a-z0-9-]+$/,
        disk: /^arn:aws:ec2:[a-z0-9-]+:123456789012:volume\/vol-[0-9a-f]{17}$/,
        snapshot: /^arn:aws:ec2:[a-z0-9-]+:123456789012:snapshot\/snap-[0-9a-f]{17}$/,
        ip_address: /^arn:aws:ec2:[a-z0-9-]+:123456789012:elastic-ip\/eipalloc-[0-9a-f]{17}$/,
        load_balancer: /^arn:aws:elasticloadbalancing:[a-z0-9-]+:123456789012:loadbalancer\/(app|net)\/[a-z0-9-]{1,32}\/[0-9a-f]{16}$/,
        bucket: /^arn:aws:s3:::[a-z0-9][a-z0-9-]{2,62}$/,
        k8s_node_pool: /^arn:aws:eks:[a-z0-9-]+:123456789012:nodegroup\/[a-z-]+\/[a-z0-9-]+\/[0-9a-f-]{36}$/,
      },
      /^(us-east-1|us-east-2|us-west-2|eu-west-1|eu-central-1|ap-southeast-1|ap-northeast-1|sa-east-1)$/,
      /^[a-z]{2}-[a-z]+-\d[a-f]$/,
    ],
    [
      'AZURE',
      {
        vm: /^\/subscriptions\/6f1c2a9e-0d1b-4c33-9a55-2b7e8f4d1c20\/resourceGroups\/rg-[a-z-]+\/providers\/Microsoft\.Compute\/virtualMachines\/vm-[a-z0-9-]+$/,
        database:
          /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg-[a-z-]+\/providers\/(Microsoft\.DBforPostgreSQL\/flexibleServers\/psql-|Microsoft\.DBforMySQL\/flexibleServers\/mysql-|Microsoft\.Sql\/servers\/sql-[a-z-]+\/databases\/sqldb-)[a-z0-9-]+$/,
        disk: /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg-[a-z-]+\/providers\/Microsoft\.Compute\/disks\/disk-[a-z0-9-]+$/,
        snapshot: /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg-[a-z-]+\/providers\/Microsoft\.Compute\/snapshots\/snap-[a-z0-9-]+$/,
        ip_address: /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg-[a-z-]+\/providers\/Microsoft\.Network\/publicIPAddresses\/pip-[a-z0-9-]+$/,
        load_balancer: /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg-[a-z-]+\/providers\/Microsoft\.Network\/(loadBalancers\/lb-|applicationGateways\/agw-)[a-z0-9-]+$/,
        bucket: /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg-[a-z-]+\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]{3,24}$/,
        k8s_node_pool: /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg-[a-z-]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[a-z-]+\/agentPools\/[a-z][a-z0-9]{0,11}$/,
      },
      /^(eastus|eastus2|westus2|westeurope|northeurope|uksouth|southeastasia|japaneast)$/,
      /^[123]$/,
    ],
    [
      'GCP',
      {
        vm: /^\/\/compute\.googleapis\.com\/projects\/acme-prod-4471\/zones\/[a-z0-9-]+-[a-f]\/instances\/[a-z][a-z0-9-]{0,62}$/,
        database: /^\/\/cloudsql\.googleapis\.com\/projects\/acme-prod-4471\/instances\/[a-z][a-z0-9-]+$/,
        disk: /^\/\/compute\.googleapis\.com\/projects\/acme-prod-4471\/zones\/[a-z0-9-]+-[a-f]\/disks\/[a-z][a-z0-9-]+$/,
        snapshot: /^\/\/compute\.googleapis\.com\/projects\/acme-prod-4471\/global\/snapshots\/snap-[a-z0-9-]+$/,
        ip_address: /^\/\/compute\.googleapis\.com\/projects\/acme-prod-4471\/regions\/[a-z0-9-]+\/addresses\/ip-[a-z0-9-]+$/,
        load_balancer: /^\/\/compute\.googleapis\.com\/projects\/acme-prod-4471\/regions\/[a-z0-9-]+\/forwardingRules\/fr-[a-z0-9-]+$/,
        bucket: /^\/\/storage\.googleapis\.com\/[a-z0-9][a-z0-9-]{2,62}$/,
        k8s_node_pool: /^\/\/container\.googleapis\.com\/projects\/acme-prod-4471\/locations\/[a-z0-9-]+\/clusters\/[a-z-]+\/nodePools\/[a-z0-9-]+$/,
      },
      /^(us-central1|us-east1|us-west1|europe-west1|europe-west4|asia-southeast1|asia-northeast1|southamerica-east1)$/,
      /^[a-z]+-[a-z]+\d-[a-f]$/,
    ],
  ])('%s vocabulary', (provider, idShapes, regionShape, zoneShape) => {
    it('uses the provider id shapes, regions and zones', async () => {
      const resources = await discover(simAccount(provider, { resources: 1_500 }));
      for (const resource of resources) {
        expect(resource.provider_resource_id).toMatch(idShapes[resource.type]);
        expect(resource.region).toMatch(regionShape);
        if (resource.zone !== null) expect(resource.zone).toMatch(zoneShape);
        expect(resource.metadata.currency).toBe('USD');
        expect(resource.metadata.created_at).toMatch(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        const price = resource.metadata.list_price_hourly ?? resource.metadata.list_price_gb_month;
        expect(price).toMatch(/^\d+(\.\d{1,6})?$/);
      }
      for (const vm of ofKind(resources, 'vm')) expect(vm.zone).toMatch(zoneShape);
      expect(new Set(resources.map((resource) => resource.provider_resource_id)).size).toBe(resources.length);
    });
  });

  it('names sizes in each provider vocabulary', async () => {
    const [aws, azure, gcp] = await Promise.all(CLOUD_PROVIDERS.map((provider) => discover(simAccount(provider, { resources: 1_000 }))));
    expect(ofKind(aws!, 'vm').map((vm) => vm.metadata.instance_type)).toContain('m5.xlarge');
    expect(ofKind(aws!, 'vm').every((vm) => /^[a-z]\d[a-z]*\.\d*x?(micro|small|medium|large)$/.test(String(vm.metadata.instance_type)))).toBe(true);
    expect(ofKind(aws!, 'database').every((db) => String(db.metadata.instance_class).startsWith('db.'))).toBe(true);
    expect(new Set(ofKind(aws!, 'disk').map((disk) => disk.metadata.volume_type))).toEqual(new Set(['gp3', 'gp2', 'io2', 'st1', 'sc1']));
    expect(ofKind(azure!, 'vm').every((vm) => String(vm.metadata.size).startsWith('Standard_'))).toBe(true);
    expect(new Set(ofKind(azure!, 'disk').map((disk) => disk.metadata.sku))).toContain('Premium_LRS');
    expect(ofKind(gcp!, 'vm').every((vm) => /^[a-z]\d?d?-(standard|highmem|micro|small|medium)(-\d+)?$/.test(String(vm.metadata.machine_type)))).toBe(true);
    expect(ofKind(gcp!, 'database').every((db) => String(db.metadata.tier).startsWith('db-'))).toBe(true);
    expect(new Set(ofKind(gcp!, 'disk').map((disk) => disk.metadata.disk_type))).toContain('pd-balanced');
    expect(new Set(ofKind(gcp!, 'vm').map((vm) => vm.state))).toEqual(new Set(['running', 'terminated']));
    expect(new Set(ofKind(azure!, 'vm').map((vm) => vm.state))).toEqual(new Set(['running', 'deallocated']));
  });

  it('puts the account id in every id but a globally named bucket', async () => {
    for (const provider of CLOUD_PROVIDERS) {
      const resources = await discover(simAccount(provider, { resources: 200 }));
      const scoped = resources.filter((resource) => provider === 'AZURE' || resource.type !== 'bucket');
      for (const resource of scoped) expect(resource.provider_resource_id).toContain(ACCOUNT_IDS[provider]);
    }
  });

  it('places resources only in the configured regions', async () => {
    const resources = await discover(simAccount('GCP', { resources: 500, regions: ['europe-west1', 'europe-west4'] }));
    expect(new Set(resources.map((resource) => resource.region))).toEqual(new Set(['europe-west1', 'europe-west4']));
  });

  describe('a fleet of 10,000', () => {
    let resources: DiscoveredResource[];
    beforeAll(async () => {
      resources = await discover(simAccount('AWS', { resources: 10_000 }));
    });
    const share = (part: unknown[], whole: unknown[]) => part.length / whole.length;

    it('has every kind of resource, VMs the most common', () => {
      const counts = Object.fromEntries(RESOURCE_KINDS.map((kind) => [kind, ofKind(resources, kind).length]));
      for (const kind of RESOURCE_KINDS) expect(counts[kind], kind).toBeGreaterThan(300);
      expect(Math.max(...Object.values(counts))).toBe(counts.vm);
    });

    it('has idle, over-provisioned, normal and busy VMs in realistic proportions', () => {
      const running = ofKind(resources, 'vm').filter((vm) => vm.state === 'running');
      const p95 = (vm: DiscoveredResource) => vm.utilization!.cpu_p95!;
      const idle = running.filter((vm) => p95(vm) < 5);
      expect(share(idle, running)).toBeGreaterThan(0.1);
      expect(share(idle, running)).toBeLessThan(0.22);
      expect(share(running.filter((vm) => p95(vm) >= 10 && p95(vm) <= 30), running)).toBeGreaterThan(0.18);
      expect(share(running.filter((vm) => p95(vm) >= 10 && p95(vm) <= 30), running)).toBeLessThan(0.34);
      expect(share(running.filter((vm) => p95(vm) > 80), running)).toBeGreaterThan(0.07);
      expect(share(running.filter((vm) => p95(vm) > 80), running)).toBeLessThan(0.2);
      for (const vm of idle) expect(vm.utilization!.network_bytes_per_day!).toBeLessThan(1e6);
      for (const vm of running) expect(vm.utilization!.cpu_avg!).toBeLessThanOrEqual(vm.utilization!.cpu_p95!);

      const stopped = ofKind(resources, 'vm').filter((vm) => vm.state === 'stopped');
      expect(share(stopped, ofKind(resources, 'vm'))).toBeGreaterThan(0.03);
      for (const vm of stopped) expect(vm.utilization).toMatchObject({ cpu_avg: 0, cpu_p95: 0, network_bytes_per_day: 0 });
    });

    it('tags most resources, leaves some untagged and some partly tagged', () => {
      const untagged = resources.filter((resource) => Object.keys(resource.tags).length === 0);
      expect(share(untagged, resources)).toBeGreaterThan(0.05);
      expect(share(untagged, resources)).toBeLessThan(0.25);
      const tagged = resources.filter((resource) => Object.keys(resource.tags).length > 0);
      for (const key of ['env', 'team', 'owner', 'cost-center']) {
        const missing = share(tagged.filter((resource) => !(key in resource.tags)), tagged);
        expect(missing, key).toBeGreaterThan(0.02);
        expect(missing, key).toBeLessThan(0.3);
      }
      for (const resource of tagged) {
        if (resource.tags.env) expect(resource.tags.env).toMatch(/^(prod|staging|dev|test)$/);
        expect(Object.keys(resource.tags).every((key) => ['env', 'team', 'owner', 'cost-center'].includes(key))).toBe(true);
      }
    });

    it('attaches most disks to VMs of the fleet in their zone, and leaves some unattached', () => {
      const byId = new Map(resources.map((resource) => [resource.provider_resource_id, resource]));
      const disks = ofKind(resources, 'disk');
      const unattached = disks.filter((disk) => disk.metadata.attached_to === null);
      expect(share(unattached, disks)).toBeGreaterThan(0.1);
      expect(share(unattached, disks)).toBeLessThan(0.35);
      for (const disk of unattached) {
        expect(disk.state).toBe('available');
        expect(disk.utilization!.idle_days).toBeGreaterThanOrEqual(0);
      }
      for (const disk of disks.filter((candidate) => candidate.metadata.attached_to !== null)) {
        const vm = byId.get(disk.metadata.attached_to as string)!;
        expect(disk.state).toBe('in-use');
        expect(vm.type).toBe('vm');
        expect([vm.region, vm.zone]).toEqual([disk.region, disk.zone]);
      }
    });

    it('gives snapshots a source disk, which is gone for some', () => {
      const ids = new Set(resources.map((resource) => resource.provider_resource_id));
      const snapshots = ofKind(resources, 'snapshot');
      const orphans = snapshots.filter((snapshot) => !ids.has(snapshot.metadata.source_id as string));
      expect(share(orphans, snapshots)).toBeGreaterThan(0.1);
      expect(share(orphans, snapshots)).toBeLessThan(0.5);
      for (const snapshot of snapshots) {
        expect(snapshot.metadata.source_id).toMatch(/:volume\/vol-[0-9a-f]{17}$/);
        expect(snapshot.metadata.size_gb).toBeGreaterThan(0);
      }
    });

    it('describes shapes in metadata', () => {
      const [vm] = ofKind(resources, 'vm');
      expect(vm!.metadata).toMatchObject({ provider_type: 'AWS::EC2::Instance', vcpus: expect.any(Number), memory_gb: expect.any(Number), boot_disk_gb: expect.any(Number) });
      expect(ofKind(resources, 'k8s_node_pool')[0]!.metadata).toMatchObject({ node_count: expect.any(Number), cluster: expect.any(String), instance_type: expect.any(String) });
      expect(ofKind(resources, 'database')[0]!.metadata).toMatchObject({ engine: expect.stringMatching(/^(postgres|mysql|mariadb)$/), storage_gb: expect.any(Number) });
      expect(ofKind(resources, 'bucket')[0]!.metadata).toMatchObject({ storage_class: expect.any(String), stored_gb: expect.any(Number) });
      expect(ofKind(resources, 'ip_address')[0]!.metadata.ip_address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    });
  });
});

describe('simUtilizationHistory', () => {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const round2 = (value: number) => Math.round(value * 100) / 100;

  it('is the daily series the discovered summary summarises', async () => {
    const account = simAccount('AZURE', { resources: 300 });
    const resources = await discover(account);
    const checked = resources.filter((resource) => ['vm', 'database', 'load_balancer', 'k8s_node_pool'].includes(resource.type)).slice(0, 40);
    for (const resource of checked) {
      const days = simUtilizationHistory(account, resource.provider_resource_id, 30, { now: clock });
      expect(days).toHaveLength(30);
      expect(days[0]!.date).toBe('2026-05-16');
      expect(days[29]!.date).toBe('2026-06-14');
      const summary = resource.utilization!;
      if (days[0]!.cpu_p95 !== undefined) {
        const peaks = days.map((day) => day.cpu_p95!).sort((a, b) => a - b);
        expect(summary.cpu_p95).toBe(peaks[Math.ceil(0.95 * peaks.length) - 1]);
        expect(summary.cpu_avg).toBe(round2(mean(days.map((day) => day.cpu_avg!))));
        expect(summary.memory_avg).toBe(round2(mean(days.map((day) => day.memory_avg!))));
      }
      if (days[0]!.network_bytes !== undefined) expect(summary.network_bytes_per_day).toBe(Math.round(mean(days.map((day) => day.network_bytes!))));
      if (days[0]!.requests !== undefined) expect(summary.requests_per_day).toBe(Math.round(mean(days.map((day) => day.requests!))));
    }
  });

  it('never rewrites the history of a date', async () => {
    const account = simAccount('GCP', { resources: 20 });
    const [vm] = ofKind(await discover(account), 'vm');
    const later = () => new Date(NOW.getTime() + 10 * 86_400_000);
    const recent = simUtilizationHistory(account, vm!.provider_resource_id, 40, { now: later });
    expect(recent.slice(0, 30)).toEqual(simUtilizationHistory(account, vm!.provider_resource_id, 30, { now: clock }));
  });

  it('refuses unknown resources and bad windows', () => {
    const account = simAccount('AWS', { resources: 10 });
    expect(() => simUtilizationHistory(account, 'arn:aws:ec2:us-east-1:123456789012:instance/i-00000000000000000', 30)).toThrow(/not found/);
    expect(() => simUtilizationHistory(account, 'x', 0)).toThrow(RangeError);
  });
});
