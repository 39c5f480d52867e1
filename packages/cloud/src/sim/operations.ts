/**
 * Operations on the simulated cloud. A request is validated at once, as a provider's API does;
 * then the operation takes its time and fails now and then, both decided by a hash of
 * (seed, resource, operation, attempt), so a test or a replay sees the same outcome for the same
 * attempt. Effects are journal entries (journal.ts): the process's overlay, and the SimStore when
 * one is in use.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ACTION_TYPES, type ActionType } from '@stratus/db';
import {
  CloudOperationError,
  CloudUnavailableError,
  type CloudProvider,
  type OperationRequest,
  type OperationResult,
  type ResourceKind,
} from '../adapter.ts';
import type { SimFleet, SimSpec } from './fleet.ts';
import { stateOf } from './inventory.ts';
import { hashString, hex8, mix, Rng } from './random.ts';
import { appliedResult, commitEntries, newSnapshot, storedPatch, syncOverlay, type SimEntry, type StoredPatch } from './journal.ts';
import type { SimPatch } from './state.ts';

/** How long an operation takes relative to operation_latency_ms: scaling stops, modifies and starts. */
const DURATION: Readonly<Record<ActionType, number>> = { start: 1, stop: 1, scale: 2, snapshot: 1.5, delete: 1, tag: 0.2 };
/** Share of failures that are transient (worth a retry) rather than refusals. */
const TRANSIENT_SHARE = 0.25;
const SCALABLE: ReadonlySet<ResourceKind> = new Set(['vm', 'database', 'disk', 'k8s_node_pool']);
const SNAPSHOTTABLE: ReadonlySet<ResourceKind> = new Set(['vm', 'disk']);

interface ProviderMessages {
  notFound(id: string): string;
  invalid(detail: string): string;
  unsupported(operation: ActionType, spec: SimSpec): string;
  inUse(spec: SimSpec, by: string): string;
  alreadyExists(id: string): string;
  /** Refusals of an operation that was valid: capacity, quota, conflicts. */
  failures: readonly ((spec: SimSpec) => string)[];
  transient: readonly string[];
  tagRule(key: string, value: string): string | null;
  snapshotName: RegExp;
}

/** The part of an id people read: an AWS resource id, an Azure or GCP name. */
const shortId = (id: string) => id.slice(id.lastIndexOf('/') + 1);

const MESSAGES: Readonly<Record<CloudProvider, ProviderMessages>> = {
  AWS: {
    notFound: (id) => `InvalidResourceID.NotFound: The resource ID '${shortId(id)}' does not exist`,
    invalid: (detail) => `InvalidParameterValue: ${detail}`,
    unsupported: (operation, spec) => `UnsupportedOperation: The ${operation} operation is not supported for ${spec.variant.provider_type} ${shortId(spec.provider_resource_id)}`,
    inUse: (spec, by) => `VolumeInUse: Volume ${shortId(spec.provider_resource_id)} is currently attached to ${shortId(by)}`,
    alreadyExists: (id) => `InvalidParameterValue: ${shortId(id)} already exists`,
    failures: [
      (spec) => `InsufficientInstanceCapacity: We currently do not have sufficient ${spec.size.name} capacity in the Availability Zone you requested (${spec.zone ?? spec.region.name}).`,
      (spec) => `IncorrectState: The resource '${shortId(spec.provider_resource_id)}' is not in a state where this operation can be performed.`,
      (spec) => `ResourceLimitExceeded: You have exceeded the limit for this operation in ${spec.region.name}.`,
    ],
    transient: ['InternalError: An internal error has occurred.', 'ServiceUnavailable: The service is unavailable. Please try again shortly.'],
    tagRule: (key, value) =>
      key.length === 0 || key.length > 128 || value.length > 256 ? `InvalidParameterValue: Tag key must be 1-128 characters, value at most 256: ${key}`
      : key.toLowerCase().startsWith('aws:') ? `InvalidParameterValue: Tag keys starting with 'aws:' are reserved: ${key}`
      : null,
    snapshotName: /^.{1,255}$/s,
  },
  AZURE: {
    notFound: (id) => `ResourceNotFound: The Resource '${id}' was not found.`,
    invalid: (detail) => `InvalidParameter: ${detail}`,
    unsupported: (operation, spec) => `OperationNotAllowed: The operation '${operation}' is not allowed on resource type '${spec.variant.provider_type}'.`,
    inUse: (spec, by) => `OperationNotAllowed: Disk ${spec.name} is attached to VM ${by}.`,
    alreadyExists: (id) => `Conflict: The resource '${id}' already exists.`,
    failures: [
      (spec) => `AllocationFailed: Allocation failed. We do not have sufficient capacity for the requested VM size ${spec.size.name} in region ${spec.region.name}.`,
      (spec) => `OperationNotAllowed: Operation could not be completed as it results in exceeding approved Total Regional Cores quota in ${spec.region.name}.`,
      (spec) => `Conflict: Another operation is in progress on resource '${spec.name}'.`,
    ],
    transient: ['InternalServerError: An unexpected error occurred while processing the request.', 'RetryableError: A retryable error occurred.'],
    tagRule: (key, value) =>
      key.length === 0 || key.length > 512 || value.length > 256 || /[<>%&\\?/]/.test(key)
        ? `InvalidTagNameCharacters: The tag name '${key}' is invalid: at most 512 characters, none of <>%&\\?/`
        : null,
    snapshotName: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]$/,
  },
  GCP: {
    notFound: (id) => `NOT_FOUND: The resource '${id.replace(/^\/\/[^/]+\//, '')}' was not found`,
    invalid: (detail) => `INVALID_ARGUMENT: ${detail}`,
    unsupported: (operation, spec) => `FAILED_PRECONDITION: Operation ${operation} is not supported for ${spec.variant.provider_type}.`,
    inUse: (spec, by) => `RESOURCE_IN_USE_BY_ANOTHER_RESOURCE: The disk resource '${spec.name}' is already being used by '${shortId(by)}'`,
    alreadyExists: (id) => `ALREADY_EXISTS: The resource '${id.replace(/^\/\/[^/]+\//, '')}' already exists`,
    failures: [
      (spec) => `ZONE_RESOURCE_POOL_EXHAUSTED: The zone '${spec.zone ?? spec.region.name}' does not have enough resources available to fulfill the request.`,
      (spec) => `QUOTA_EXCEEDED: Quota 'CPUS' exceeded. Limit: 24.0 in region ${spec.region.name}.`,
      (spec) => `RESOURCE_NOT_READY: The resource '${spec.name}' is not ready.`,
    ],
    transient: ['UNAVAILABLE: The service is currently unavailable.', 'INTERNAL: Internal error. Please try again.'],
    tagRule: (key, value) =>
      !/^[a-z][a-z0-9_-]{0,62}$/.test(key) || !/^[a-z0-9_-]{0,63}$/.test(value)
        ? `INVALID_ARGUMENT: Invalid label '${key}=${value}': keys start with a lower-case letter; keys and values use lower-case letters, digits, _ and -, at most 63 characters`
        : null,
    snapshotName: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
  },
};

const scaleParams = z.object({ size: z.union([z.string().min(1), z.int().positive()]) });
const tagParams = z.object({ tags: z.record(z.string(), z.string()).refine((tags) => Object.keys(tags).length > 0, 'at least one tag') });
const snapshotParams = z.object({ name: z.string().min(1).optional() });

/**
 * What a validated operation does once its time has passed, to the resource as it then is: the
 * entries it adds to the account's journal, and the details it answers.
 */
type Effect = (current: SimSpec, at: number, entries: SimEntry[]) => OperationResult['details'] & { state?: string | null };

export async function executeOperation(
  fleet: SimFleet,
  clock: () => Date,
  request: OperationRequest,
  signal: AbortSignal | undefined,
): Promise<OperationResult> {
  signal?.throwIfAborted();
  const messages = MESSAGES[fleet.account.provider];
  const id = request.provider_resource_id;
  const fail = (message: string) => new CloudOperationError(`${request.operation} ${id}: ${message}`);
  if (!ACTION_TYPES.includes(request.operation)) throw fail(`unknown operation ${String(request.operation)}`);
  const token = request.client_token;
  const repeat = async () => {
    const applied = token === undefined ? undefined : await appliedResult(fleet, token);
    return applied && { state: applied.state, details: { ...applied.details, already_applied: true } };
  };
  // The overlay is brought up to date while the token is looked up: one wait for both.
  const [applied] = await Promise.all([repeat(), syncOverlay(fleet)]);
  if (applied) return applied;

  const before = resolve(fleet, id, clock().getTime());
  if (!before) throw fail(messages.notFound(id));
  if (before.kind !== request.resource_type) throw fail(messages.invalid(`${shortId(id)} is a ${before.kind}, not a ${request.resource_type}`));
  const effect = plan(fleet, messages, before, request, fail);
  if (effect === null) return { state: stateOf(before), details: { changed: false } };

  const attemptKey = `${id}\u0000${request.operation}`;
  const attempt = (fleet.overlay.attempts.get(attemptKey) ?? 0) + 1;
  fleet.overlay.attempts.set(attemptKey, attempt);
  const rng = new Rng(mix(mix(fleet.config.seed, hashString(id)), hashString(`${request.operation}#${attempt}`)));
  const request_id = `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`;
  const latency = fleet.config.operation_latency_ms * DURATION[request.operation] * rng.between(0.75, 1.25);
  await sleep(latency, undefined, { signal });

  const failed = rng.next() < fleet.config.failure_rate;
  const transient = rng.next() < TRANSIENT_SHARE;
  if (failed && transient) {
    throw new CloudUnavailableError(`${request.operation} ${id}: ${rng.pick(messages.transient)} (request ${request_id}, attempt ${attempt})`);
  }
  if (failed) throw fail(`${rng.pick(messages.failures)(before)} (request ${request_id}, attempt ${attempt})`);

  // Another operation may have changed the resource while this one took its time: the effect
  // applies to what is there now. (An operation that takes none was validated against the present.)
  const at = clock().getTime();
  if (latency > 0) await syncOverlay(fleet);
  const current = resolve(fleet, id, at);
  if (!current) throw fail(messages.notFound(id));
  const entries: SimEntry[] = [];
  const { state, ...details } = effect(current, at, entries);
  const change = entries.find((entry) => entry.kind === 'change');
  const after = change === undefined ? current : change.patch === null ? null : changedSpec(current, change.patch);
  const result = { state: state !== undefined ? state : after ? stateOf(after) : null, details: { ...details, request_id, changed: true } };
  if (await commitEntries(fleet, entries, token === undefined ? undefined : { client_token: token, result })) return result;
  // Another process applied the same token while this one worked: its result stands.
  return (await repeat())!;
}

/** The resource with a change applied (sizes resolved in its catalogue). */
function changedSpec(current: SimSpec, patch: StoredPatch): SimSpec {
  const { size, ...rest } = patch;
  const sku = size === undefined ? undefined : current.variant.sizes.items.find((item) => item.name === size);
  return { ...current, ...rest, ...(sku === undefined ? {} : { size: sku }) };
}

/** The resource as it is at time t, or null if there is none (any more). */
function resolve(fleet: SimFleet, id: string, t: number): SimSpec | null {
  const spec = fleet.find(id);
  return spec ? fleet.current(spec, fleet.changesOf(id), t) : null;
}

/** Validates the request against the resource; null when it is already as asked (an idempotent success). */
function plan(
  fleet: SimFleet,
  messages: ProviderMessages,
  spec: SimSpec,
  request: OperationRequest,
  fail: (message: string) => CloudOperationError,
): Effect | null {
  const change = (entries: SimEntry[], at: number, patch: SimPatch | null) =>
    entries.push({ kind: 'change', provider_resource_id: spec.provider_resource_id, at, patch: patch === null ? null : storedPatch(patch) });
  const params = <T>(schema: z.ZodType<T>): T => {
    const parsed = schema.safeParse(request.params ?? {});
    if (!parsed.success) throw fail(messages.invalid(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'params'}: ${issue.message}`).join('; ')));
    return parsed.data;
  };
  switch (request.operation) {
    case 'start':
    case 'stop': {
      if ((spec.kind !== 'vm' && spec.kind !== 'database') || spec.variant.states[1] === null) throw fail(messages.unsupported(request.operation, spec));
      const active = request.operation === 'start';
      if (spec.active === active) return null;
      return (current, at, entries) => {
        change(entries, at, { active });
        return { previous_state: stateOf(current) };
      };
    }
    case 'scale': {
      if (!SCALABLE.has(spec.kind)) throw fail(messages.unsupported('scale', spec));
      const { size } = params(scaleParams);
      if (typeof size === 'number') {
        // Only a disk is resized by capacity, and providers only grow disks.
        if (spec.kind !== 'disk') throw fail(messages.invalid(`size must be a ${spec.variant.size_key} for ${spec.kind}, got ${size}`));
        if (size < spec.size_gb) throw fail(messages.invalid(`size ${size} GB is smaller than the current ${spec.size_gb} GB; disks can only grow`));
        if (size === spec.size_gb) return null;
        return (current, at, entries) => {
          change(entries, at, { size_gb: size });
          return { previous_size_gb: current.size_gb, size_gb: size };
        };
      }
      const target = spec.variant.sizes.items.find((sku) => sku.name === size);
      if (!target) {
        throw fail(messages.invalid(`'${size}' is not a valid ${spec.variant.size_key} for ${spec.variant.provider_type} (valid: ${spec.variant.sizes.items.map((sku) => sku.name).join(', ')})`));
      }
      if (target === spec.size) return null;
      return (current, at, entries) => {
        change(entries, at, { size: target });
        return { previous_size: current.size.name, size: target.name };
      };
    }
    case 'snapshot': {
      if (!SNAPSHOTTABLE.has(spec.kind)) throw fail(messages.unsupported('snapshot', spec));
      const { name } = params(snapshotParams);
      if (name !== undefined && !messages.snapshotName.test(name)) throw fail(messages.invalid(`'${name}' is not a valid snapshot name`));
      if (name !== undefined) {
        const taken = newSnapshot(fleet, spec, name, 0).provider_resource_id;
        if (fleet.find(taken)) throw fail(messages.alreadyExists(taken));
      }
      return (current, at, entries) => {
        const index = fleet.overlay.created.size;
        const snapshot = newSnapshot(fleet, current, name, at, index);
        if (fleet.find(snapshot.provider_resource_id)) throw fail(messages.alreadyExists(snapshot.provider_resource_id));
        entries.push({ kind: 'snapshot', provider_resource_id: snapshot.provider_resource_id, at, source_id: current.provider_resource_id, name: name ?? null, index });
        return { snapshot_id: snapshot.provider_resource_id, size_gb: snapshot.size_gb };
      };
    }
    case 'delete': {
      if (spec.kind === 'disk' && spec.attached_to !== null) throw fail(messages.inUse(spec, spec.attached_to));
      return (current, at, entries) => {
        change(entries, at, null);
        return { state: fleet.account.provider === 'AWS' && current.kind === 'vm' ? 'terminated' : 'deleted' };
      };
    }
    case 'tag': {
      const { tags } = params(tagParams);
      for (const [key, value] of Object.entries(tags)) {
        const problem = messages.tagRule(key, value);
        if (problem) throw fail(problem);
      }
      return (current, at, entries) => {
        const merged = { ...current.tags, ...tags };
        change(entries, at, { tags: merged });
        return { tags: { ...merged } };
      };
    }
  }
}
