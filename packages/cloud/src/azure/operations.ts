import { CloudOperationError, type OperationRequest, type OperationResult } from '../adapter.ts';
import type { ResolvedLiveOptions } from '../live/options.ts';
import { requiredString, requiredTags, snapshotName, unsupported } from '../live/params.ts';
import { normalizedId, type AzureContext } from './discovery.ts';

interface Target {
  id: string;
  resourceGroup: string;
  name: string;
}

type Handler = (target: Target, request: OperationRequest, signal: AbortSignal | undefined) => Promise<OperationResult>;

const TAGS_API_VERSION = '2021-04-01';

export function createAzureExecutor(ctx: AzureContext, options: ResolvedLiveOptions) {
  const { compute } = ctx.clients;
  const lroOptions = (abortSignal: AbortSignal) => ({ updateIntervalInMs: options.pollIntervalMs, abortSignal });

  /**
   * Runs a long-running operation to its end (the SDK polls it), for operationTimeoutMs at most.
   * All of them are safe to send again (PUT of a named snapshot, start, deallocate, delete).
   */
  async function untilDone<T>(what: string, run: (abortSignal: AbortSignal) => PromiseLike<T>, signal: AbortSignal | undefined): Promise<T> {
    const deadline = AbortSignal.timeout(options.operationTimeoutMs);
    try {
      return await ctx.call(what, async () => run(signal ? AbortSignal.any([signal, deadline]) : deadline), { signal });
    } catch (error) {
      if (deadline.aborted && !signal?.aborted) {
        throw new CloudOperationError(
          `${ctx.label}: ${what} did not finish within ${options.operationTimeoutMs / 1000}s; check the resource before trying again`,
          error,
        );
      }
      throw error;
    }
  }

  /** The power state as Azure reports it once the operation is done: running, deallocated, stopped. */
  async function powerState(target: Target, signal: AbortSignal | undefined): Promise<string | null> {
    const view = await ctx.call(
      `virtualMachines.instanceView (${target.name})`,
      () => compute.virtualMachines.instanceView(target.resourceGroup, target.name, { abortSignal: signal }),
      { signal },
    );
    const code = view.statuses?.find((status) => status.code?.startsWith('PowerState/'))?.code;
    return code?.split('/')[1] ?? null;
  }

  const vm =
    (what: string, run: (target: Target, abortSignal: AbortSignal) => PromiseLike<unknown>): Handler =>
    async (target, _request, signal) => {
      await untilDone(`virtualMachines.${what} (${target.name})`, (abortSignal) => run(target, abortSignal), signal);
      return { state: await powerState(target, signal), details: {} };
    };

  /** Azure resizes in place, restarting a running VM; a size the cluster lacks needs it deallocated first. */
  const scale: Handler = async (target, request, signal) => {
    const size = requiredString(request, 'size');
    const before = await ctx.call(
      `virtualMachines.get (${target.name})`,
      () => compute.virtualMachines.get(target.resourceGroup, target.name, { abortSignal: signal }),
      { signal },
    );
    await untilDone(
      `virtualMachines.update (${target.name})`,
      (abortSignal) =>
        compute.virtualMachines.update(target.resourceGroup, target.name, { hardwareProfile: { vmSize: size } }, lroOptions(abortSignal)),
      signal,
    );
    return { state: await powerState(target, signal), details: { previous_size: before.hardwareProfile?.vmSize ?? null, size } };
  };

  /** An incremental copy of the disk, next to it (same resource group and region). */
  const snapshotDisk: Handler = async (target, request, signal) => {
    // A PUT of the same name again is the same snapshot: the name from the client token makes retries safe.
    const name = snapshotName(request, target.name, 80);
    const disk = await ctx.call(
      `disks.get (${target.name})`,
      () => compute.disks.get(target.resourceGroup, target.name, { abortSignal: signal }),
      { signal },
    );
    const snapshot = await untilDone(
      `snapshots.createOrUpdate (${name})`,
      (abortSignal) =>
        compute.snapshots.createOrUpdate(
          target.resourceGroup,
          name,
          {
            location: disk.location,
            creationData: { createOption: 'Copy', sourceResourceId: disk.id as string },
            incremental: true,
            tags: { 'created-by': 'stratus', 'source-disk': target.name },
          },
          lroOptions(abortSignal),
        ),
      signal,
    );
    return {
      state: snapshot.provisioningState?.toLowerCase() ?? null,
      details: { snapshot_id: snapshot.id ? normalizedId(snapshot.id) : null, size_gb: snapshot.diskSizeGB ?? null },
    };
  };

  const remove =
    (what: string, run: (target: Target, abortSignal: AbortSignal) => PromiseLike<unknown>): Handler =>
    async (target, _request, signal) => {
      await untilDone(`${what} (${target.name})`, (abortSignal) => run(target, abortSignal), signal);
      return { state: 'deleted', details: {} };
    };

  /** Tags - Update At Scope with Merge: adds or replaces the given tags, keeps the others. */
  const tag: Handler = async (target, request, signal) => {
    const tags = requiredTags(request);
    const answer = await ctx.call(
      `Tags update (${target.name})`,
      () =>
        ctx.clients.arm<{ properties?: { tags?: Record<string, string> } }>(
          'PATCH',
          `${target.id}/providers/Microsoft.Resources/tags/default?api-version=${TAGS_API_VERSION}`,
          { operation: 'Merge', properties: { tags } },
          signal,
        ),
      { signal },
    );
    return { state: null, details: { tags: answer.properties?.tags ?? tags } };
  };

  const handlers: Record<string, Handler> = {
    'vm:start': vm('start', (target, abortSignal) => compute.virtualMachines.start(target.resourceGroup, target.name, lroOptions(abortSignal))),
    // Deallocate, not power off: a powered-off VM still bills its compute.
    'vm:stop': vm('deallocate', (target, abortSignal) =>
      compute.virtualMachines.deallocate(target.resourceGroup, target.name, lroOptions(abortSignal)),
    ),
    'vm:scale': scale,
    'vm:delete': remove('virtualMachines.delete', (target, abortSignal) =>
      compute.virtualMachines.delete(target.resourceGroup, target.name, lroOptions(abortSignal)),
    ),
    'disk:snapshot': snapshotDisk,
    'disk:delete': remove('disks.delete', (target, abortSignal) => compute.disks.delete(target.resourceGroup, target.name, lroOptions(abortSignal))),
    'snapshot:delete': remove('snapshots.delete', (target, abortSignal) =>
      compute.snapshots.delete(target.resourceGroup, target.name, lroOptions(abortSignal)),
    ),
  };

  return async (request: OperationRequest, signal: AbortSignal | undefined): Promise<OperationResult> => {
    const handler = request.operation === 'tag' ? tag : handlers[`${request.resource_type}:${request.operation}`];
    if (!handler) throw unsupported('Azure', request);
    return handler(parseTarget(request), request, signal);
  };
}

function parseTarget(request: OperationRequest): Target {
  const match = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)\/providers\/.+\/([^/]+)$/i.exec(request.provider_resource_id);
  if (!match) throw new CloudOperationError(`${request.provider_resource_id} is not an Azure resource id`);
  return { id: request.provider_resource_id, resourceGroup: match[1] as string, name: match[2] as string };
}
