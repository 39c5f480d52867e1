import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  ModifyInstanceAttributeCommand,
  ReleaseAddressCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitForInstanceRunning,
  waitForInstanceStopped,
  waitForInstanceTerminated,
} from '@aws-sdk/client-ec2';
import { AddTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AddTagsToResourceCommand, CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { CloudOperationError, type OperationRequest, type OperationResult } from '../adapter.ts';
import type { ResolvedLiveOptions } from '../live/options.ts';
import { optionalString, requiredString, requiredTags, snapshotName, unsupported } from '../live/params.ts';
import { parseArn } from './arn.ts';
import type { AwsContext } from './discovery.ts';

/** The tag that names the operation a snapshot was made by (its client token). */
const CLIENT_TOKEN_TAG = 'stratus:client-token';

interface Target {
  arn: string;
  region: string;
  /** i-0abc, vol-0abc, snap-0abc, eipalloc-0abc or the DB instance identifier. */
  id: string;
}

type Handler = (target: Target, request: OperationRequest, signal: AbortSignal | undefined) => Promise<OperationResult>;

type InstanceWaiter = typeof waitForInstanceRunning;

const awsTags = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export function createAwsExecutor(ctx: AwsContext, options: ResolvedLiveOptions) {
  const ec2 = (target: Target) => ctx.clients.ec2(target.region);

  /** Waits with the SDK waiter until the instance reaches `state`, for operationTimeoutMs at most. */
  async function settle(wait: InstanceWaiter, state: string, target: Target, signal: AbortSignal | undefined): Promise<void> {
    const seconds = options.operationTimeoutMs / 1000;
    const result = await wait(
      {
        client: ec2(target),
        minDelay: options.pollIntervalMs / 1000,
        maxDelay: Math.max(options.pollIntervalMs / 1000, 30),
        maxWaitTime: seconds,
        abortSignal: signal,
      },
      { InstanceIds: [target.id] },
    );
    if (result.state !== 'SUCCESS') {
      throw new CloudOperationError(
        `${ctx.label}: instance ${target.id} did not become ${state} (waiter: ${result.state.toLowerCase()}, ${seconds}s at most); ` +
          'check its state before trying again',
        result.reason,
      );
    }
  }

  async function describeInstance(target: Target, signal: AbortSignal | undefined) {
    const answer = await ctx.call(
      `ec2:DescribeInstances (${target.id})`,
      () => ec2(target).send(new DescribeInstancesCommand({ InstanceIds: [target.id] }), { abortSignal: signal }),
      { signal },
    );
    const instance = answer.Reservations?.[0]?.Instances?.[0];
    return { state: instance?.State?.Name ?? null, type: instance?.InstanceType ?? null };
  }

  const start: Handler = async (target, _request, signal) => {
    await ctx.call(
      `ec2:StartInstances (${target.id})`,
      () => ec2(target).send(new StartInstancesCommand({ InstanceIds: [target.id] }), { abortSignal: signal }),
      { signal },
    );
    await settle(waitForInstanceRunning, 'running', target, signal);
    return { state: 'running', details: {} };
  };

  const stop: Handler = async (target, _request, signal) => {
    await ctx.call(
      `ec2:StopInstances (${target.id})`,
      () => ec2(target).send(new StopInstancesCommand({ InstanceIds: [target.id] }), { abortSignal: signal }),
      { signal },
    );
    await settle(waitForInstanceStopped, 'stopped', target, signal);
    return { state: 'stopped', details: {} };
  };

  /** An instance type only changes while the instance is stopped: stop, modify, and start it again if it ran. */
  const scale: Handler = async (target, request, signal) => {
    const size = requiredString(request, 'size');
    const before = await describeInstance(target, signal);
    const details = { previous_size: before.type, size };
    if (before.type === size) return { state: before.state, details };
    const wasRunning = before.state === 'running' || before.state === 'pending';
    if (wasRunning) await stop(target, request, signal);
    await ctx.call(
      `ec2:ModifyInstanceAttribute (${target.id})`,
      () =>
        ec2(target).send(new ModifyInstanceAttributeCommand({ InstanceId: target.id, InstanceType: { Value: size } }), {
          abortSignal: signal,
        }),
      { signal },
    );
    const after = wasRunning ? await start(target, request, signal) : before;
    return { state: after.state, details };
  };

  const terminate: Handler = async (target, _request, signal) => {
    await ctx.call(
      `ec2:TerminateInstances (${target.id})`,
      () => ec2(target).send(new TerminateInstancesCommand({ InstanceIds: [target.id] }), { abortSignal: signal }),
      { signal },
    );
    await settle(waitForInstanceTerminated, 'terminated', target, signal);
    return { state: 'terminated', details: {} };
  };

  const tagEc2: Handler = async (target, request, signal) => {
    const tags = requiredTags(request);
    await ctx.call(
      `ec2:CreateTags (${target.id})`,
      () => ec2(target).send(new CreateTagsCommand({ Resources: [target.id], Tags: awsTags(tags) }), { abortSignal: signal }),
      { signal },
    );
    return { state: null, details: { tags } };
  };

  /**
   * Resolves once the snapshot exists (pending): it holds the volume's data of that instant, while
   * copying it out may take hours. CreateSnapshot takes no client token: the snapshot carries the
   * operation's token as a tag, and an attempt that finds a snapshot of that tag returns it rather
   * than making a second one. Without a token, it is not repeated on an unknown outcome.
   */
  const snapshotVolume: Handler = async (target, request, signal) => {
    const name = optionalString(request, 'name') ?? `stratus-${target.id}`;
    const token = request.client_token;
    const snapshot = await ctx.call(
      `ec2:CreateSnapshot (${target.id})`,
      async () => {
        if (token !== undefined) {
          const made = await ec2(target).send(
            new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${CLIENT_TOKEN_TAG}`, Values: [token] }] }),
            { abortSignal: signal },
          );
          const existing = made.Snapshots?.[0];
          if (existing) return existing;
        }
        return ec2(target).send(
          new CreateSnapshotCommand({
            VolumeId: target.id,
            Description: `Created by Stratus from ${target.id}`,
            TagSpecifications: [
              {
                ResourceType: 'snapshot',
                Tags: [{ Key: 'Name', Value: name }, ...(token !== undefined ? [{ Key: CLIENT_TOKEN_TAG, Value: token }] : [])],
              },
            ],
          }),
          { abortSignal: signal },
        );
      },
      { signal, idempotent: token !== undefined },
    );
    return { state: snapshot.State ?? null, details: { snapshot_id: snapshot.SnapshotId, size_gb: snapshot.VolumeSize ?? null } };
  };

  /**
   * The identifier comes from the operation's client token: an attempt that finds it taken was
   * preceded by one of the same operation that made it, and returns that snapshot.
   */
  const snapshotDatabase: Handler = async (target, request, signal) => {
    const name = snapshotName(request, target.id, 255);
    const fromToken = optionalString(request, 'name') === undefined && request.client_token !== undefined;
    const rds = ctx.clients.rds(target.region);
    const snapshot = await ctx.call(
      `rds:CreateDBSnapshot (${target.id})`,
      async () => {
        try {
          const answer = await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: target.id, DBSnapshotIdentifier: name }), { abortSignal: signal });
          return answer.DBSnapshot;
        } catch (error) {
          if (!fromToken || (error as { name?: string }).name !== 'DBSnapshotAlreadyExistsFault') throw error;
          const made = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: name }), { abortSignal: signal });
          return made.DBSnapshots?.[0];
        }
      },
      { signal, idempotent: fromToken },
    );
    return {
      state: snapshot?.Status ?? null,
      details: { snapshot_id: snapshot?.DBSnapshotIdentifier ?? name, snapshot_arn: snapshot?.DBSnapshotArn ?? null },
    };
  };

  const deleteWith =
    (what: string, send: (target: Target, signal: AbortSignal | undefined) => Promise<unknown>): Handler =>
    async (target, _request, signal) => {
      await ctx.call(`${what} (${target.id})`, () => send(target, signal), { signal });
      return { state: 'deleted', details: {} };
    };

  const handlers: Record<string, Handler> = {
    'vm:start': start,
    'vm:stop': stop,
    'vm:scale': scale,
    'vm:delete': terminate,
    'vm:tag': tagEc2,
    'disk:tag': tagEc2,
    'snapshot:tag': tagEc2,
    'ip_address:tag': tagEc2,
    'disk:snapshot': snapshotVolume,
    'database:snapshot': snapshotDatabase,
    'disk:delete': deleteWith('ec2:DeleteVolume', (target, signal) =>
      ec2(target).send(new DeleteVolumeCommand({ VolumeId: target.id }), { abortSignal: signal }),
    ),
    'snapshot:delete': deleteWith('ec2:DeleteSnapshot', (target, signal) =>
      ec2(target).send(new DeleteSnapshotCommand({ SnapshotId: target.id }), { abortSignal: signal }),
    ),
    'ip_address:delete': deleteWith('ec2:ReleaseAddress', (target, signal) =>
      // An EC2-Classic address has no allocation id: discovery knows it by its public IP, as EC2 does.
      ec2(target).send(new ReleaseAddressCommand(target.id.startsWith('eipalloc-') ? { AllocationId: target.id } : { PublicIp: target.id }), {
        abortSignal: signal,
      }),
    ),
    'database:tag': async (target, request, signal) => {
      const tags = requiredTags(request);
      await ctx.call(
        `rds:AddTagsToResource (${target.id})`,
        () =>
          ctx.clients
            .rds(target.region)
            .send(new AddTagsToResourceCommand({ ResourceName: target.arn, Tags: awsTags(tags) }), { abortSignal: signal }),
        { signal },
      );
      return { state: null, details: { tags } };
    },
    'load_balancer:tag': async (target, request, signal) => {
      const tags = requiredTags(request);
      await ctx.call(
        `elasticloadbalancing:AddTags (${target.id})`,
        () =>
          ctx.clients.elb(target.region).send(new AddTagsCommand({ ResourceArns: [target.arn], Tags: awsTags(tags) }), { abortSignal: signal }),
        { signal },
      );
      return { state: null, details: { tags } };
    },
  };

  return async (request: OperationRequest, signal: AbortSignal | undefined): Promise<OperationResult> => {
    const handler = handlers[`${request.resource_type}:${request.operation}`];
    if (!handler) throw unsupported('AWS', request);
    return handler(parseTarget(request), request, signal);
  };
}

function parseTarget(request: OperationRequest): Target {
  const arn = parseArn(request.provider_resource_id);
  const region = arn?.region || request.region;
  if (!arn || !region) throw new CloudOperationError(`${request.provider_resource_id} is not the ARN of a regional AWS resource`);
  return { arn: request.provider_resource_id, region, id: arn.resourceId };
}
