import { describe, expect, it } from 'vitest';
import {
  CloudOperationError,
  CloudUnavailableError,
  type CloudAccountRef,
  type CloudProvider,
  type DiscoveredResource,
  type OperationRequest,
  type ResourceKind,
} from '../adapter.ts';
import { createSimAdapter } from './index.ts';
import { clock, collect, simAccount } from './testing.ts';
import type { SimSettings } from './settings.ts';

const DAY_MS = 86_400_000;

function setup(provider: CloudProvider, sim: SimSettings = {}) {
  const account = simAccount(provider, { resources: 400, ...sim });
  const adapter = createSimAdapter(account, { now: clock });
  // A new adapter per discovery: effects must outlive the adapter that caused them.
  const inventory = () => collect(createSimAdapter(account, { now: clock }).discover());
  const find = async (id: string) => (await inventory()).find((resource) => resource.provider_resource_id === id);
  const first = async (kind: ResourceKind, where: (resource: DiscoveredResource) => boolean = () => true) => (await inventory()).find((resource) => resource.type === kind && where(resource))!;
  const request = (operation: OperationRequest['operation'], resource: DiscoveredResource, params: Record<string, unknown> = {}): OperationRequest => ({
    operation,
    provider_resource_id: resource.provider_resource_id,
    resource_type: resource.type,
    region: resource.region,
    params,
  });
  return { account, adapter, inventory, find, first, request };
}

const rejection = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
};

describe('sim operations', () => {
  it('stops and starts VMs, and later discoveries see it', async () => {
    const { adapter, find, first, request } = setup('AZURE');
    const vm = await first('vm', (candidate) => candidate.state === 'running');
    expect(await adapter.execute(request('stop', vm))).toMatchObject({ state: 'deallocated', details: { previous_state: 'running', changed: true } });
    expect((await find(vm.provider_resource_id))!.state).toBe('deallocated');
    expect(await adapter.execute(request('start', vm))).toMatchObject({ state: 'running', details: { previous_state: 'deallocated' } });
    expect((await find(vm.provider_resource_id))!.state).toBe('running');
  });

  it('treats starting a running VM as done, at once and without failing', async () => {
    const { adapter, first, request } = setup('AWS', { failure_rate: 1, operation_latency_ms: 60_000 });
    const vm = await first('vm', (candidate) => candidate.state === 'running');
    expect(await adapter.execute(request('start', vm))).toEqual({ state: 'running', details: { changed: false } });
  });

  it('deletes: the resource disappears, its disks stay detached, a second delete finds nothing', async () => {
    const { adapter, inventory, find, request } = setup('AWS');
    const before = await inventory();
    const disk = before.find((resource) => resource.type === 'disk' && resource.metadata.attached_to !== null)!;
    const vm = before.find((resource) => resource.provider_resource_id === disk.metadata.attached_to)!;

    const inUse = await rejection(adapter.execute(request('delete', disk)));
    expect(inUse).toBeInstanceOf(CloudOperationError);
    expect(inUse.message).toMatch(/VolumeInUse/);

    expect(await adapter.execute(request('delete', vm))).toMatchObject({ state: 'terminated' });
    const after = await inventory();
    expect(after).toHaveLength(before.length - 1);
    expect(after.some((resource) => resource.provider_resource_id === vm.provider_resource_id)).toBe(false);
    expect((await find(disk.provider_resource_id))!).toMatchObject({ state: 'available', metadata: { attached_to: null } });

    const gone = await rejection(adapter.execute(request('delete', vm)));
    expect(gone).toBeInstanceOf(CloudOperationError);
    expect(gone.message).toMatch(/does not exist/);
    expect(await adapter.execute(request('delete', disk))).toMatchObject({ state: 'deleted' });
  });

  it('snapshots a disk into a new snapshot resource', async () => {
    const { adapter, inventory, first, request } = setup('GCP');
    const disk = await first('disk');
    const result = await adapter.execute(request('snapshot', disk, { name: 'before-migration' }));
    expect(result.details.snapshot_id).toBe('//compute.googleapis.com/projects/acme-prod-4471/global/snapshots/before-migration');
    const snapshot = (await inventory()).find((resource) => resource.provider_resource_id === result.details.snapshot_id)!;
    expect(snapshot).toMatchObject({
      type: 'snapshot',
      name: 'before-migration',
      region: disk.region,
      state: 'ready',
      tags: disk.tags,
      metadata: { source_id: disk.provider_resource_id, size_gb: disk.metadata.size_gb, created_at: '2026-06-15T12:00:00.000Z' },
    });

    const taken = await rejection(adapter.execute(request('snapshot', disk, { name: 'before-migration' })));
    expect(taken.message).toMatch(/ALREADY_EXISTS/);
    expect((await rejection(adapter.execute(request('snapshot', disk, { name: 'Not_Valid' })))).message).toMatch(/not a valid snapshot name/);
    expect((await rejection(adapter.execute(request('snapshot', await first('bucket'))))).message).toMatch(/not supported/);

    const unnamed = await adapter.execute(request('snapshot', await first('vm')));
    expect(unnamed.details.snapshot_id).toMatch(/\/global\/snapshots\/[a-z0-9-]+-snap-[0-9a-f]{8}$/);
  });

  it('applies an operation once per client token, answering a repeat with the first result', async () => {
    const { adapter, inventory, first, request } = setup('AWS');
    const disk = await first('disk');
    const snapshots = async () => (await inventory()).filter((resource) => resource.type === 'snapshot').length;
    const existing = await snapshots();
    const once = await adapter.execute({ ...request('snapshot', disk), client_token: 'op-1' });
    const repeat = await adapter.execute({ ...request('snapshot', disk), client_token: 'op-1' });
    expect(repeat).toEqual({ state: once.state, details: { ...once.details, already_applied: true } });
    expect(await snapshots()).toBe(existing + 1);

    const other = await adapter.execute({ ...request('snapshot', disk), client_token: 'op-2' });
    expect(other.details.snapshot_id).not.toBe(once.details.snapshot_id);
    expect(await snapshots()).toBe(existing + 2);
  });

  it('resizes to a size of the resource type, and refuses others', async () => {
    const { adapter, find, first, request } = setup('AWS');
    const vm = await first('vm', (candidate) => candidate.metadata.instance_type !== 'c6i.2xlarge');
    expect(await adapter.execute(request('scale', vm, { size: 'c6i.2xlarge' }))).toMatchObject({ details: { previous_size: vm.metadata.instance_type, size: 'c6i.2xlarge' } });
    const resized = (await find(vm.provider_resource_id))!;
    expect(resized.metadata).toMatchObject({ instance_type: 'c6i.2xlarge', vcpus: 8, memory_gb: 16 });
    expect(resized.metadata.list_price_hourly).not.toBe(vm.metadata.list_price_hourly);

    const invalid = await rejection(adapter.execute(request('scale', vm, { size: 'Standard_D4s_v5' })));
    expect(invalid).toBeInstanceOf(CloudOperationError);
    expect(invalid.message).toMatch(/'Standard_D4s_v5' is not a valid instance_type/);
    expect((await rejection(adapter.execute(request('scale', vm, {})))).message).toMatch(/size/);
    expect((await rejection(adapter.execute(request('scale', await first('database'), { size: 'm5.large' })))).message).toMatch(/not a valid instance_class/);
    expect((await rejection(adapter.execute(request('scale', await first('load_balancer'), { size: 'network' })))).message).toMatch(/not supported/);

    const disk = await first('disk', (candidate) => candidate.metadata.volume_type === 'gp2');
    await adapter.execute(request('scale', disk, { size: 'gp3' }));
    await adapter.execute(request('scale', disk, { size: Number(disk.metadata.size_gb) * 2 }));
    expect((await find(disk.provider_resource_id))!.metadata).toMatchObject({ volume_type: 'gp3', size_gb: Number(disk.metadata.size_gb) * 2 });
    expect((await rejection(adapter.execute(request('scale', disk, { size: 1 })))).message).toMatch(/can only grow/);
  });

  it('merges tags, within the provider rules', async () => {
    const { adapter, find, first, request } = setup('GCP');
    const vm = await first('vm', (candidate) => Object.keys(candidate.tags).length > 0);
    const result = await adapter.execute(request('tag', vm, { tags: { owner: 'finops-bot', 'cost-center': 'cc-9999' } }));
    expect(result.details.tags).toEqual({ ...vm.tags, owner: 'finops-bot', 'cost-center': 'cc-9999' });
    expect((await find(vm.provider_resource_id))!.tags).toEqual(result.details.tags);
    expect((await rejection(adapter.execute(request('tag', vm, { tags: { Owner: 'x' } })))).message).toMatch(/INVALID_ARGUMENT: Invalid label/);
    expect((await rejection(adapter.execute(request('tag', vm, { tags: {} })))).message).toMatch(/at least one tag/);
  });

  it('bills the days after a stop as stopped, and leaves the days before as they were', async () => {
    const account = simAccount('AWS', { resources: 300 });
    let now = new Date('2026-03-10T00:00:00.000Z');
    const adapter = createSimAdapter(account, { now: () => now });
    const vm = (await collect(adapter.discover())).find((resource) => resource.type === 'vm' && resource.state === 'running')!;
    const costOf = async (start: string) => {
      const rows = await collect(adapter.fetchCosts({ start: new Date(start), end: new Date(Date.parse(start) + DAY_MS) }));
      return Number(rows.find((row) => row.provider_resource_id === vm.provider_resource_id)!.billed_cost);
    };
    const before = await costOf('2026-03-09T00:00:00.000Z');
    const running = await costOf('2026-03-11T00:00:00.000Z');
    await adapter.execute({ operation: 'stop', provider_resource_id: vm.provider_resource_id, resource_type: 'vm', region: vm.region, params: {} });
    now = new Date('2026-03-12T12:00:00.000Z');
    await adapter.execute({ operation: 'start', provider_resource_id: vm.provider_resource_id, resource_type: 'vm', region: vm.region, params: {} });

    expect(await costOf('2026-03-09T00:00:00.000Z')).toBe(before);
    const stopped = await costOf('2026-03-11T00:00:00.000Z');
    expect(stopped).toBeGreaterThan(0);
    expect(stopped).toBeLessThan(running);
    expect(await costOf('2026-03-12T00:00:00.000Z')).toBeCloseTo((stopped + running) / 2, 9);
  });

  it('validates requests before taking any time', async () => {
    const { adapter, first, request } = setup('AZURE', { operation_latency_ms: 60_000 });
    const unknown = await rejection(
      adapter.execute({ operation: 'stop', provider_resource_id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-nope', resource_type: 'vm', region: null, params: {} }),
    );
    expect(unknown).toBeInstanceOf(CloudOperationError);
    expect(unknown.message).toMatch(/ResourceNotFound/);
    const vm = await first('vm');
    expect((await rejection(adapter.execute({ ...request('stop', vm), resource_type: 'disk' }))).message).toMatch(/is a vm, not a disk/);
    expect((await rejection(adapter.execute(request('stop', await first('bucket'))))).message).toMatch(/OperationNotAllowed/);
    const sqlDatabase = await first('database', (candidate) => candidate.metadata.engine === 'sqlserver');
    expect((await rejection(adapter.execute(request('stop', sqlDatabase)))).message).toMatch(/not allowed/);
    expect((await rejection(adapter.execute({ ...request('stop', vm), operation: 'reboot' as 'stop' }))).message).toMatch(/unknown operation reboot/);
  });

  it('takes about operation_latency_ms, and stops waiting when aborted', async () => {
    const { adapter, find, first, request } = setup('AWS', { operation_latency_ms: 40 });
    const vm = await first('vm', (candidate) => candidate.state === 'running');
    const started = performance.now();
    await adapter.execute(request('tag', vm, { tags: { reviewed: 'yes' } }));
    await adapter.execute(request('stop', vm));
    // tag takes 0.2x and stop 1x the latency, each within ±25%.
    expect(performance.now() - started).toBeGreaterThanOrEqual(0.75 * 1.2 * 40 - 2);

    const slow = setup('AWS', { operation_latency_ms: 60_000 });
    const other = await slow.first('vm', (candidate) => candidate.state === 'running');
    const controller = new AbortController();
    const pending = slow.adapter.execute(slow.request('stop', other), { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    expect((await rejection(pending)).name).toBe('AbortError');
    expect((await slow.find(other.provider_resource_id))!.state).toBe('running');
    expect((await find(vm.provider_resource_id))!.state).toBe('stopped');

    const aborted = AbortSignal.abort();
    expect((await rejection(adapter.execute(request('start', vm), { signal: aborted }))).name).toBe('AbortError');
    expect((await rejection(adapter.verify({ signal: aborted }))).name).toBe('AbortError');
    expect((await rejection(collect(adapter.discover({ signal: aborted })))).name).toBe('AbortError');
  });

  it('fails by failure_rate, the same way for the same seed, resource, operation and attempt', async () => {
    const outcomes = async (account: CloudAccountRef) => {
      const adapter = createSimAdapter(account, { now: clock });
      const vm = (await collect(adapter.discover())).find((resource) => resource.type === 'vm')!;
      const results: string[] = [];
      for (let attempt = 0; attempt < 40; attempt++) {
        const outcome = await adapter.execute({ operation: 'tag', provider_resource_id: vm.provider_resource_id, resource_type: 'vm', region: vm.region, params: { tags: { attempt: String(attempt) } } }).then(
          () => 'ok',
          (error: Error) => error.name,
        );
        results.push(outcome);
      }
      return results;
    };
    const never = await outcomes(simAccount('AWS', { resources: 20, failure_rate: 0 }));
    expect(new Set(never)).toEqual(new Set(['ok']));

    const always = await outcomes(simAccount('AWS', { resources: 20, failure_rate: 1 }));
    expect(new Set(always)).toEqual(new Set(['CloudOperationError', 'CloudUnavailableError']));

    const half = await outcomes(simAccount('AWS', { resources: 20, failure_rate: 0.5 }));
    expect(new Set(half)).toEqual(new Set(['ok', 'CloudOperationError', 'CloudUnavailableError']));
    expect(await outcomes(simAccount('AWS', { resources: 20, failure_rate: 0.5 }))).toEqual(half);
  });

  it('raises provider-like errors, transient ones retryable', async () => {
    const { adapter, find, first, request } = setup('AWS', { failure_rate: 1 });
    const vm = await first('vm', (candidate) => candidate.state === 'running');
    const errors: Error[] = [];
    for (let attempt = 0; attempt < 12; attempt++) errors.push(await rejection(adapter.execute(request('stop', vm))));
    const unavailable = errors.filter((error) => error instanceof CloudUnavailableError);
    const refused = errors.filter((error) => error instanceof CloudOperationError);
    expect(unavailable.length + refused.length).toBe(12);
    expect(unavailable.every((error) => (error as CloudUnavailableError).retryable)).toBe(true);
    expect(refused.every((error) => !(error as CloudOperationError).retryable)).toBe(true);
    for (const error of errors) expect(error.message).toMatch(/^stop arn:aws:ec2:.*: [A-Z][A-Za-z.]+: .* \(request [0-9a-f-]{36}, attempt \d+\)$/);
    expect((await find(vm.provider_resource_id))!.state).toBe('running');
  });

  it('verifies without credentials', async () => {
    const { adapter } = setup('GCP');
    expect(adapter).toMatchObject({ kind: 'sim', provider: 'GCP' });
    expect(await adapter.verify()).toEqual({ account_id: 'acme-prod-4471' });
  });
});
