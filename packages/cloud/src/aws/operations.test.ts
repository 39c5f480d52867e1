import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  ReleaseAddressCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type DescribeInstancesCommandOutput,
  type InstanceStateName,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { AddTagsToResourceCommand, CreateDBSnapshotCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudOperationError, CloudUnavailableError, type OperationRequest } from '../adapter.ts';
import { awsAdapter, awsError } from './test-support.ts';

const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
beforeAll(() => nock.disableNetConnect());
afterAll(() => {
  ec2.restore();
  rds.restore();
  nock.enableNetConnect();
});
beforeEach(() => {
  ec2.reset();
  rds.reset();
});

const INSTANCE = 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0abcd1234efgh5678';

function request(operation: OperationRequest['operation'], resource_type: OperationRequest['resource_type'], id: string, params = {}): OperationRequest {
  return { operation, resource_type, provider_resource_id: id, region: 'eu-west-1', params };
}

/** One instance that moves between states the way EC2 does when asked. */
function fakeInstance(initial: { state: InstanceStateName; type: _InstanceType }) {
  const instance = { ...initial };
  const describe = (): DescribeInstancesCommandOutput => ({
    $metadata: {},
    Reservations: [{ Instances: [{ InstanceId: 'i-0abcd1234efgh5678', State: { Name: instance.state }, InstanceType: instance.type }] }],
  });
  ec2.on(DescribeInstancesCommand).callsFake(describe);
  ec2.on(StopInstancesCommand).callsFake(() => {
    instance.state = 'stopped';
    return { StoppingInstances: [{ InstanceId: 'i-0abcd1234efgh5678', CurrentState: { Name: 'stopping' } }] };
  });
  ec2.on(StartInstancesCommand).callsFake(() => {
    instance.state = 'running';
    return { StartingInstances: [{ InstanceId: 'i-0abcd1234efgh5678', CurrentState: { Name: 'pending' } }] };
  });
  ec2.on(ModifyInstanceAttributeCommand).callsFake((input: { InstanceType?: { Value?: string } }) => {
    if (instance.state !== 'stopped') throw awsError('IncorrectInstanceState', 400, 'The instance is not in the stopped state.');
    instance.type = input.InstanceType?.Value as _InstanceType;
    return {};
  });
  return instance;
}

describe('AWS operations', () => {
  it('stops an instance and waits until EC2 reports it stopped', async () => {
    ec2.on(StopInstancesCommand).resolves({ StoppingInstances: [] });
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-0abcd1234efgh5678', State: { Name: 'stopping' } }] }] })
      .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0abcd1234efgh5678', State: { Name: 'stopped' } }] }] });

    const result = await awsAdapter().execute(request('stop', 'vm', INSTANCE));

    expect(result).toEqual({ state: 'stopped', details: {} });
    expect(ec2.commandCalls(StopInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: ['i-0abcd1234efgh5678'] });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
  });

  it('resizes a running instance by stopping it, changing the type and starting it again', async () => {
    const instance = fakeInstance({ state: 'running', type: 't3.large' });

    const result = await awsAdapter().execute(request('scale', 'vm', INSTANCE, { size: 't3.medium' }));

    expect(result).toEqual({ state: 'running', details: { previous_size: 't3.large', size: 't3.medium' } });
    expect(instance).toEqual({ state: 'running', type: 't3.medium' });
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand)[0]?.args[0].input).toEqual({
      InstanceId: 'i-0abcd1234efgh5678',
      InstanceType: { Value: 't3.medium' },
    });
  });

  it('resizes a stopped instance without starting it', async () => {
    const instance = fakeInstance({ state: 'stopped', type: 'm5.2xlarge' });

    const result = await awsAdapter().execute(request('scale', 'vm', INSTANCE, { size: 'm5.large' }));

    expect(result.state).toBe('stopped');
    expect(instance).toEqual({ state: 'stopped', type: 'm5.large' });
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
  });

  it('reports an instance that never reaches the state within the timeout', async () => {
    ec2.on(StopInstancesCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0abcd1234efgh5678', State: { Name: 'stopping' } }] }] });

    const error = await awsAdapter({}, undefined, { pollIntervalMs: 10, operationTimeoutMs: 300 })
      .execute(request('stop', 'vm', INSTANCE))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CloudOperationError);
    expect((error as Error).message).toMatch(/i-0abcd1234efgh5678 did not become stopped/);
  });

  it('snapshots a volume once even when the answer is lost, but retries throttling', async () => {
    const volume = 'arn:aws:ec2:eu-west-1:123456789012:volume/vol-049df61146c4d7901';
    ec2.on(CreateSnapshotCommand).rejects(awsError('InternalError', 500, 'An internal error has occurred'));

    await expect(awsAdapter().execute(request('snapshot', 'disk', volume))).rejects.toBeInstanceOf(CloudUnavailableError);
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(1);

    ec2.reset();
    ec2.on(CreateSnapshotCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 503, 'Request limit exceeded.'))
      .resolves({ SnapshotId: 'snap-066877671789bd71b', State: 'pending', VolumeSize: 100, VolumeId: 'vol-049df61146c4d7901' });

    const result = await awsAdapter().execute(request('snapshot', 'disk', volume, { name: 'before-cleanup' }));

    expect(result).toEqual({ state: 'pending', details: { snapshot_id: 'snap-066877671789bd71b', size_gb: 100 } });
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(2);
    expect(ec2.commandCalls(CreateSnapshotCommand)[1]?.args[0].input).toMatchObject({
      VolumeId: 'vol-049df61146c4d7901',
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'Name', Value: 'before-cleanup' }] }],
    });
  });

  it('with a client token, a volume snapshot lost in a 500 is found by its token tag on the next attempt, not made twice', async () => {
    const volume = 'arn:aws:ec2:eu-west-1:123456789012:volume/vol-049df61146c4d7901';
    const token = '0193a7c0-1111-7000-8000-000000000001';
    const made: { SnapshotId: string; State: 'pending'; VolumeSize: number; Tags: { Key: string; Value: string }[] }[] = [];
    ec2.on(DescribeSnapshotsCommand).callsFake((input: { Filters?: { Name: string; Values: string[] }[] }) => {
      const [filter] = input.Filters ?? [];
      return { Snapshots: made.filter((snapshot) => snapshot.Tags.some((tag) => `tag:${tag.Key}` === filter?.Name && filter.Values.includes(tag.Value))) };
    });
    // The snapshot is made, and the answer is lost.
    ec2.on(CreateSnapshotCommand).callsFake((input: { TagSpecifications: { Tags: { Key: string; Value: string }[] }[] }) => {
      made.push({ SnapshotId: 'snap-066877671789bd71b', State: 'pending', VolumeSize: 100, Tags: input.TagSpecifications[0]!.Tags });
      throw awsError('InternalError', 500, 'An internal error has occurred');
    });

    const result = await awsAdapter().execute({ ...request('snapshot', 'disk', volume), client_token: token });

    expect(result).toEqual({ state: 'pending', details: { snapshot_id: 'snap-066877671789bd71b', size_gb: 100 } });
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(1);
    expect(made[0]?.Tags).toContainEqual({ Key: 'stratus:client-token', Value: token });
    expect(ec2.commandCalls(DescribeSnapshotsCommand)[0]?.args[0].input).toEqual({
      OwnerIds: ['self'],
      Filters: [{ Name: 'tag:stratus:client-token', Values: [token] }],
    });
  });

  it('names a database snapshot from the client token, and returns the one an earlier attempt made', async () => {
    const database = 'arn:aws:rds:eu-west-1:123456789012:db:orders-db';
    const token = '0193a7c0-2222-7000-8000-000000000002';
    rds.on(CreateDBSnapshotCommand).rejects(awsError('DBSnapshotAlreadyExistsFault', 400, 'Cannot create the snapshot because a snapshot with the identifier already exists.'));
    rds.on(DescribeDBSnapshotsCommand).callsFake((input: { DBSnapshotIdentifier: string }) => ({
      DBSnapshots: [{ DBSnapshotIdentifier: input.DBSnapshotIdentifier, Status: 'creating', DBSnapshotArn: `arn:aws:rds:eu-west-1:123456789012:snapshot:${input.DBSnapshotIdentifier}` }],
    }));

    const result = await awsAdapter().execute({ ...request('snapshot', 'database', database), client_token: token });

    const name = 'orders-db-stratus-0193a7c0222270008000';
    expect(rds.commandCalls(CreateDBSnapshotCommand)[0]?.args[0].input).toEqual({ DBInstanceIdentifier: 'orders-db', DBSnapshotIdentifier: name });
    expect(result).toEqual({ state: 'creating', details: { snapshot_id: name, snapshot_arn: `arn:aws:rds:eu-west-1:123456789012:snapshot:${name}` } });

    // A name the caller chose that exists already is theirs to resolve: refused, not adopted.
    await expect(awsAdapter().execute({ ...request('snapshot', 'database', database, { name: 'manual' }), client_token: token })).rejects.toBeInstanceOf(
      CloudOperationError,
    );
  });

  it('releases an Elastic IP by its allocation id', async () => {
    ec2.on(ReleaseAddressCommand).resolves({});

    const result = await awsAdapter().execute(request('delete', 'ip_address', 'arn:aws:ec2:eu-west-1:123456789012:elastic-ip/eipalloc-87654321'));

    expect(result.state).toBe('deleted');
    expect(ec2.commandCalls(ReleaseAddressCommand)[0]?.args[0].input).toEqual({ AllocationId: 'eipalloc-87654321' });
  });

  it('tags EC2 resources with CreateTags and databases with AddTagsToResource', async () => {
    ec2.on(CreateTagsCommand).resolves({});
    rds.on(AddTagsToResourceCommand).resolves({});

    await awsAdapter().execute(request('tag', 'vm', INSTANCE, { tags: { owner: 'finops', 'cost-center': '42' } }));
    await awsAdapter().execute(request('tag', 'database', 'arn:aws:rds:eu-west-1:123456789012:db:orders-db', { tags: { owner: 'finops' } }));

    expect(ec2.commandCalls(CreateTagsCommand)[0]?.args[0].input).toEqual({
      Resources: ['i-0abcd1234efgh5678'],
      Tags: [
        { Key: 'owner', Value: 'finops' },
        { Key: 'cost-center', Value: '42' },
      ],
    });
    expect(rds.commandCalls(AddTagsToResourceCommand)[0]?.args[0].input).toEqual({
      ResourceName: 'arn:aws:rds:eu-west-1:123456789012:db:orders-db',
      Tags: [{ Key: 'owner', Value: 'finops' }],
    });
  });

  it('refuses what it cannot do, and bad parameters, with CloudOperationError', async () => {
    await expect(awsAdapter().execute(request('scale', 'bucket', 'arn:aws:s3:::stratus-demo-logs'))).rejects.toThrow(/cannot scale a bucket/);
    await expect(awsAdapter().execute(request('scale', 'vm', INSTANCE, {}))).rejects.toThrow(/params.size/);
    await expect(awsAdapter().execute(request('tag', 'vm', INSTANCE, { tags: { owner: 42 } }))).rejects.toBeInstanceOf(CloudOperationError);
    await expect(awsAdapter().execute({ ...request('stop', 'vm', 'i-0abcd1234efgh5678'), region: null })).rejects.toThrow(/not the ARN/);
  });
});
