import { describe, expect, it } from 'vitest';
import type { DiscoveredResource, FocusCostRow } from '../adapter.ts';
import { createSimAdapter } from './index.ts';
import { clock, collect, simAccount } from './testing.ts';

const DAY_MS = 86_400_000;
const day = (text: string) => new Date(`${text}T00:00:00.000Z`);
const period = (start: string, end: string) => ({ start: day(start), end: day(end) });

/** Exact sums of decimal strings, in units of 1e-10. */
const units = (text: string) => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole! + fraction.padEnd(10, '0'));
};
const total = (rows: FocusCostRow[]) => rows.reduce((sum, row) => sum + units(row.billed_cost), 0n);

describe('sim costs', () => {
  it('streams one FOCUS row per resource and UTC day, in pages, with decimal money', async () => {
    const account = simAccount('AWS', { resources: 700 });
    const adapter = createSimAdapter(account, { now: clock });
    const resources = new Map((await collect(adapter.discover())).map((resource) => [resource.provider_resource_id, resource]));
    const pages: FocusCostRow[][] = [];
    for await (const page of adapter.fetchCosts(period('2026-03-01', '2026-03-04'))) pages.push(page);
    expect(pages.map((page) => page.length)).toEqual([2_000, 100]);

    const rows = pages.flat();
    const perResource = new Map<string, FocusCostRow[]>();
    for (const row of rows) perResource.set(row.provider_resource_id!, [...(perResource.get(row.provider_resource_id!) ?? []), row]);
    expect(perResource.size).toBe(700);
    for (const [id, resourceRows] of perResource) {
      expect(resourceRows.map((row) => row.charge_period_start)).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z']);
      const resource = resources.get(id)!;
      for (const row of resourceRows) {
        expect(Date.parse(row.charge_period_end) - Date.parse(row.charge_period_start)).toBe(DAY_MS);
        for (const money of [row.billed_cost, row.effective_cost, row.list_cost]) expect(money).toMatch(/^\d+(\.\d{1,10})?$/);
        expect(units(row.billed_cost)).toBeGreaterThan(0n);
        expect(units(row.effective_cost)).toBeLessThanOrEqual(units(row.billed_cost));
        expect(row).toMatchObject({
          currency: 'USD',
          charge_category: 'Usage',
          granularity: 'daily',
          sub_account_id: '123456789012',
          region_id: resource.region,
          tags: resource.tags,
        });
        expect(['Compute', 'Storage', 'Databases', 'Networking']).toContain(row.service_category);
      }
    }
    const discounted = rows.filter((row) => units(row.effective_cost) < units(row.billed_cost));
    expect(discounted.length / rows.length).toBeGreaterThan(0.05);
    expect(discounted.length / rows.length).toBeLessThan(0.4);
    expect(discounted.every((row) => ['Compute', 'Databases'].includes(row.service_category))).toBe(true);
  });

  it('names services and categories in FOCUS terms', async () => {
    const services = async (provider: 'AWS' | 'AZURE' | 'GCP') => {
      const rows = await collect(createSimAdapter(simAccount(provider, { resources: 500 })).fetchCosts(period('2026-03-01', '2026-03-02')));
      return new Set(rows.map((row) => `${row.service_name} / ${row.service_category}`));
    };
    expect(await services('AWS')).toEqual(
      new Set([
        'Amazon Elastic Compute Cloud / Compute',
        'Amazon Elastic Compute Cloud / Storage',
        'Amazon Relational Database Service / Databases',
        'Amazon Virtual Private Cloud / Networking',
        'Elastic Load Balancing / Networking',
        'Amazon Simple Storage Service / Storage',
      ]),
    );
    expect(await services('AZURE')).toContain('Virtual Machines / Compute');
    expect(await services('GCP')).toContain('Compute Engine / Compute');
    expect(await services('GCP')).toContain('Cloud SQL / Databases');
  });

  it('prices a day at the list price in metadata', async () => {
    const adapter = createSimAdapter(simAccount('GCP', { resources: 400 }), { now: clock });
    const resources = await collect(adapter.discover());
    const rows = new Map((await collect(adapter.fetchCosts(period('2026-03-01', '2026-03-02')))).map((row) => [row.provider_resource_id, row]));
    const cost = (resource: DiscoveredResource) => Number(rows.get(resource.provider_resource_id)!.list_cost);
    for (const lb of resources.filter((resource) => resource.type === 'load_balancer')) {
      expect(cost(lb)).toBeCloseTo(Number(lb.metadata.list_price_hourly) * 24, 9);
    }
    for (const disk of resources.filter((resource) => resource.type === 'disk')) {
      expect(cost(disk)).toBeCloseTo((Number(disk.metadata.list_price_gb_month) * Number(disk.metadata.size_gb) * 24) / 730, 9);
    }
    for (const pool of resources.filter((resource) => resource.type === 'k8s_node_pool')) {
      expect(cost(pool)).toBeCloseTo(Number(pool.metadata.list_price_hourly) * Number(pool.metadata.node_count) * 24, 9);
    }
  });

  it('charges a stopped VM for its boot disk only, a running one for compute and boot disk', async () => {
    const adapter = createSimAdapter(simAccount('AWS', { resources: 3_000 }), { now: clock });
    const resources = await collect(adapter.discover());
    const rows = new Map((await collect(adapter.fetchCosts(period('2026-03-01', '2026-03-02')))).map((row) => [row.provider_resource_id, row]));
    // The regional gp3 price, which boot disks pay too, as the fleet's gp3 volumes show it.
    const gp3 = new Map(
      resources.filter((resource) => resource.metadata.volume_type === 'gp3').map((disk) => [disk.region, Number(disk.metadata.list_price_gb_month)]),
    );
    const vms = resources.filter((resource) => resource.type === 'vm' && gp3.has(resource.region));
    const bootDisk = (vm: DiscoveredResource) => (Number(vm.metadata.boot_disk_gb) * gp3.get(vm.region)! * 24) / 730;
    const cost = (vm: DiscoveredResource) => Number(rows.get(vm.provider_resource_id)!.billed_cost);
    const stopped = vms.filter((vm) => vm.state === 'stopped');
    expect(stopped.length).toBeGreaterThan(10);
    for (const vm of stopped) expect(cost(vm)).toBeCloseTo(bootDisk(vm), 9);
    for (const vm of vms.filter((candidate) => candidate.state === 'running')) {
      expect(cost(vm)).toBeCloseTo(Number(vm.metadata.list_price_hourly) * 24 + bootDisk(vm), 9);
    }
  });

  it('is deterministic, and a period costs the sum of its days', async () => {
    const adapter = createSimAdapter(simAccount('AZURE', { resources: 300 }));
    const week = await collect(adapter.fetchCosts(period('2026-04-01', '2026-04-08')));
    expect(await collect(adapter.fetchCosts(period('2026-04-01', '2026-04-08')))).toEqual(week);

    const days: FocusCostRow[] = [];
    for (let d = 1; d <= 7; d++) days.push(...(await collect(adapter.fetchCosts(period(`2026-04-0${d}`, `2026-04-0${d + 1}`)))));
    expect(days).toHaveLength(week.length);
    expect(total(days)).toBe(total(week));
    expect(total(week)).toBeGreaterThan(0n);
  });

  it('cuts days to the period and bills only once a resource exists', async () => {
    const adapter = createSimAdapter(simAccount('AWS', { resources: 50 }));
    const [whole] = await collect(adapter.fetchCosts(period('2026-03-01', '2026-03-02')));
    const [half] = await collect(adapter.fetchCosts({ start: new Date('2026-03-01T12:00:00.000Z'), end: day('2026-03-02') }));
    expect(half!.charge_period_start).toBe('2026-03-01T12:00:00.000Z');
    expect(Number(half!.billed_cost)).toBeCloseTo(Number(whole!.billed_cost) / 2, 9);
    // The fleet is created between 2022 and 2025.
    expect(await collect(adapter.fetchCosts(period('2021-06-01', '2021-06-03')))).toEqual([]);
    expect(await collect(adapter.fetchCosts(period('2026-03-02', '2026-03-01')))).toEqual([]);
  });
});
