import type { protos } from '@google-cloud/compute';
import { v5 as uuidv5 } from 'uuid';
import { CloudOperationError, type OperationRequest, type OperationResult } from '../adapter.ts';
import type { ResolvedLiveOptions } from '../live/options.ts';
import { requiredString, requiredTags, snapshotName, unsupported } from '../live/params.ts';
import { ONE_ATTEMPT } from './clients.ts';
import type { GcpContext } from './discovery.ts';

type ComputeOperation = protos.google.cloud.compute.v1.IOperation;

/** //compute.googleapis.com/projects/{project}/{zones/z | regions/r | global}/{collection}/{name} */
interface Target {
  project: string;
  zone?: string;
  region?: string;
  name: string;
}

type Handler = (target: Target, request: OperationRequest, signal: AbortSignal | undefined) => Promise<OperationResult>;

/** A fixed namespace: Stratus's request ids are UUIDv5 of the operation's client token and the call. */
const REQUEST_ID_NAMESPACE = '0193a7c0-5d1e-7c4b-9a2f-6e8d4b1c3a50';

/**
 * Compute Engine's idempotency key: a mutating call sent again with the same requestId (within 60
 * minutes) returns the first call's operation instead of acting twice. Each call of an operation
 * (scale stops, sets the machine type and starts) has its own, the same on every retry.
 */
function requestId(request: OperationRequest, call: string): { requestId?: string } {
  return request.client_token ? { requestId: uuidv5(`${request.client_token}:${call}`, REQUEST_ID_NAMESPACE) } : {};
}

/**
 * Compute Engine calls start an operation and return at once; the adapter then waits on it with
 * operations.wait (which holds the request up to two minutes while the operation runs), again
 * until it is DONE or operationTimeoutMs has passed.
 */
export function createGcpExecutor(ctx: GcpContext, options: ResolvedLiveOptions) {
  const { clients } = ctx;
  type Started = Promise<[{ latestResponse?: unknown }, ...unknown[]]>;

  async function run(what: string, start: () => Started, signal: AbortSignal | undefined) {
    const [started] = await ctx.call(what, start, { signal });
    let operation = started.latestResponse as ComputeOperation;
    const deadline = Date.now() + options.operationTimeoutMs;
    while (operation.status !== 'DONE') {
      if (Date.now() > deadline) {
        throw new CloudOperationError(
          `${ctx.label}: ${what} did not finish within ${options.operationTimeoutMs / 1000}s (operation ${operation.name}); ` +
            'check the resource before trying again',
        );
      }
      const current = operation;
      [operation] = await ctx.call(`${what}: wait`, () => wait(current), { signal });
    }
    const errors = operation.error?.errors ?? [];
    if (errors.length > 0) {
      const detail = errors.map((error) => `${error.code}: ${error.message}`).join('; ');
      throw new CloudOperationError(`${ctx.label}: ${what} failed (${detail})`);
    }
    return operation;
  }

  /**
   * An operation lives where its resource does: in a zone, a region, or globally, of the resource's
   * project, which need not be the account's (a shared VPC's address, a resource named by its full
   * path): the operation's own links say which.
   */
  function wait(operation: ComputeOperation): Promise<[ComputeOperation, ...unknown[]]> {
    const link = operation.selfLink ?? operation.zone ?? operation.region ?? '';
    const project = /\/projects\/([^/]+)\//.exec(link)?.[1] ?? ctx.account.account_id;
    const name = operation.name as string;
    if (operation.zone) return clients.zoneOperations.wait({ project, zone: lastSegment(operation.zone), operation: name }, ONE_ATTEMPT);
    if (operation.region) return clients.regionOperations.wait({ project, region: lastSegment(operation.region), operation: name }, ONE_ATTEMPT);
    return clients.globalOperations.wait({ project, operation: name }, ONE_ATTEMPT);
  }

  async function instance(target: Target, signal: AbortSignal | undefined) {
    const [found] = await ctx.call(
      `instances.get (${target.name})`,
      () => clients.instances.get({ project: target.project, zone: target.zone, instance: target.name }, ONE_ATTEMPT),
      { signal },
    );
    return found;
  }

  const instanceCall =
    (verb: 'start' | 'stop' | 'delete'): Handler =>
    async (target, request, signal) => {
      const params = { project: target.project, zone: target.zone, instance: target.name, ...requestId(request, verb) };
      await run(`instances.${verb} (${target.name})`, () => clients.instances[verb](params, ONE_ATTEMPT), signal);
      if (verb === 'delete') return { state: 'deleted', details: {} };
      return { state: (await instance(target, signal)).status?.toLowerCase() ?? null, details: {} };
    };

  /** A machine type only changes while the instance is stopped: stop, set it, and start again if it ran. */
  const scale: Handler = async (target, request, signal) => {
    const size = requiredString(request, 'size');
    const before = await instance(target, signal);
    const previous = lastSegment(before.machineType ?? '');
    if (previous === size) return { state: before.status?.toLowerCase() ?? null, details: { previous_size: previous, size } };
    const wasRunning = before.status === 'RUNNING';
    if (wasRunning) await instanceCall('stop')(target, request, signal);
    await run(
      `instances.setMachineType (${target.name})`,
      () =>
        clients.instances.setMachineType(
          {
            project: target.project,
            zone: target.zone,
            instance: target.name,
            instancesSetMachineTypeRequestResource: { machineType: `zones/${target.zone}/machineTypes/${size}` },
            ...requestId(request, 'setMachineType'),
          },
          ONE_ATTEMPT,
        ),
      signal,
    );
    const after = wasRunning ? await instanceCall('start')(target, request, signal) : { state: before.status?.toLowerCase() ?? null };
    return { state: after.state, details: { previous_size: previous, size } };
  };

  /** Named from the client token: a request repeated after an unknown outcome cannot make a second snapshot. */
  const snapshotDisk: Handler = async (target, request, signal) => {
    const name = snapshotName(request, target.name, 63);
    await run(
      `disks.createSnapshot (${target.name})`,
      () =>
        clients.disks.createSnapshot(
          {
            project: target.project,
            zone: target.zone,
            disk: target.name,
            snapshotResource: { name, labels: { 'created-by': 'stratus' } },
            ...requestId(request, 'createSnapshot'),
          },
          ONE_ATTEMPT,
        ),
      signal,
    );
    return { state: 'ready', details: { snapshot_id: `//compute.googleapis.com/projects/${target.project}/global/snapshots/${name}` } };
  };

  interface Labelled {
    labels?: Record<string, string> | null;
    labelFingerprint?: string | null;
  }
  interface LabelApi {
    get(target: Target): Promise<Labelled>;
    set(target: Target, labels: Labelled, id: { requestId?: string }): Started;
  }
  const labelled: Record<'instances' | 'disks' | 'snapshots', LabelApi> = {
    instances: {
      get: async (t) => (await clients.instances.get({ project: t.project, zone: t.zone, instance: t.name }, ONE_ATTEMPT))[0],
      set: (t, labels, id) =>
        clients.instances.setLabels(
          { project: t.project, zone: t.zone, instance: t.name, instancesSetLabelsRequestResource: labels, ...id },
          ONE_ATTEMPT,
        ),
    },
    disks: {
      get: async (t) => (await clients.disks.get({ project: t.project, zone: t.zone, disk: t.name }, ONE_ATTEMPT))[0],
      set: (t, labels, id) =>
        clients.disks.setLabels({ project: t.project, zone: t.zone, resource: t.name, zoneSetLabelsRequestResource: labels, ...id }, ONE_ATTEMPT),
    },
    snapshots: {
      get: async (t) => (await clients.snapshots.get({ project: t.project, snapshot: t.name }, ONE_ATTEMPT))[0],
      set: (t, labels, id) =>
        clients.snapshots.setLabels({ project: t.project, resource: t.name, globalSetLabelsRequestResource: labels, ...id }, ONE_ATTEMPT),
    },
  };

  /** setLabels replaces every label and needs the current fingerprint: read, merge, write. */
  const label =
    (kind: keyof typeof labelled): Handler =>
    async (target, request, signal) => {
      const tags = requiredTags(request);
      const current = await ctx.call(`${kind}.get (${target.name})`, () => labelled[kind].get(target), { signal });
      const labels = { ...(current.labels ?? {}), ...tags };
      const update = { labels, labelFingerprint: current.labelFingerprint ?? null };
      await run(`${kind}.setLabels (${target.name})`, () => labelled[kind].set(target, update, requestId(request, 'setLabels')), signal);
      return { state: null, details: { tags: labels } };
    };

  const remove =
    (what: string, start: (target: Target, id: { requestId?: string }) => Started): Handler =>
    async (target, request, signal) => {
      await run(`${what} (${target.name})`, () => start(target, requestId(request, 'delete')), signal);
      return { state: 'deleted', details: {} };
    };

  const handlers: Record<string, Handler> = {
    'vm:start': instanceCall('start'),
    'vm:stop': instanceCall('stop'),
    'vm:scale': scale,
    'vm:delete': instanceCall('delete'),
    'vm:tag': label('instances'),
    'disk:snapshot': snapshotDisk,
    'disk:tag': label('disks'),
    'disk:delete': remove('disks.delete', (target, id) =>
      clients.disks.delete({ project: target.project, zone: target.zone, disk: target.name, ...id }, ONE_ATTEMPT),
    ),
    'snapshot:tag': label('snapshots'),
    'snapshot:delete': remove('snapshots.delete', (target, id) =>
      clients.snapshots.delete({ project: target.project, snapshot: target.name, ...id }, ONE_ATTEMPT),
    ),
    'ip_address:delete': remove('addresses.delete', (target, id) =>
      clients.addresses.delete({ project: target.project, region: target.region, address: target.name, ...id }, ONE_ATTEMPT),
    ),
  };

  return async (request: OperationRequest, signal: AbortSignal | undefined): Promise<OperationResult> => {
    const handler = handlers[`${request.resource_type}:${request.operation}`];
    if (!handler) throw unsupported('GCP', request);
    return handler(parseTarget(request), request, signal);
  };
}

function parseTarget(request: OperationRequest): Target {
  const match = /^\/\/compute\.googleapis\.com\/projects\/([^/]+)\/(?:zones\/([^/]+)|regions\/([^/]+)|global)\/[^/]+\/([^/]+)$/.exec(
    request.provider_resource_id,
  );
  if (!match) throw new CloudOperationError(`${request.provider_resource_id} is not a Compute Engine resource name`);
  const [, project, zone, region, name] = match;
  return { project: project as string, name: name as string, ...(zone ? { zone } : {}), ...(region ? { region } : {}) };
}

function lastSegment(url: string): string {
  return url.split('/').pop() ?? url;
}
