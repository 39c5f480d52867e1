import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetBucketLocationCommand, GetBucketTaggingCommand, ListBucketsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudCredentialsError, CloudIncompleteDiscoveryError, CloudThrottledError, CloudUnavailableError } from '../adapter.ts';
import { byId, collect } from '../live/testing.ts';
import * as fixtures from './fixtures/responses.ts';
import { awsAdapter, awsError, paged, SECRET_KEY } from './test-support.ts';

// Class-level mocks: every client the adapter builds, in any region, answers from here.
const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const s3 = mockClient(S3Client);
const cloudwatch = mockClient(CloudWatchClient);

beforeAll(() => nock.disableNetConnect());
afterAll(() => {
  for (const mock of [ec2, rds, elb, s3, cloudwatch]) mock.restore();
  nock.enableNetConnect();
});

/** An account with nothing in it; tests fill in what they look at. */
beforeEach(() => {
  for (const mock of [ec2, rds, elb, s3, cloudwatch]) mock.reset();
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
  elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
  s3.on(ListBucketsCommand).resolves({ Buckets: [] });
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});

const ARN = 'arn:aws:ec2:eu-west-1:123456789012';

describe('AWS discovery', () => {
  it('follows every listing to its last page and maps each kind', async () => {
    const instances = paged('NextToken', { first: fixtures.instancesPage1, [fixtures.instancesPage1.NextToken as string]: fixtures.instancesPage2 });
    const volumes = paged('NextToken', { first: fixtures.volumesPage1, 'volumes-page-2': fixtures.volumesPage2 });
    const databases = paged('Marker', { first: fixtures.databasesPage1, 'rds-marker-2': fixtures.databasesPage2 });
    const buckets = paged('ContinuationToken', { first: fixtures.bucketsPage1, 'buckets-page-2': fixtures.bucketsPage2 });
    ec2.on(DescribeInstancesCommand).callsFake(instances.answer);
    ec2.on(DescribeVolumesCommand).callsFake(volumes.answer);
    ec2.on(DescribeSnapshotsCommand).resolves(fixtures.snapshotsPage);
    ec2.on(DescribeAddressesCommand).resolves(fixtures.addressesAnswer);
    rds.on(DescribeDBInstancesCommand).callsFake(databases.answer);
    elb.on(DescribeLoadBalancersCommand).resolves(fixtures.loadBalancersPage);
    elb.on(DescribeTagsCommand).resolves(fixtures.loadBalancerTags);
    s3.on(ListBucketsCommand).callsFake(buckets.answer);
    s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'EU' });
    s3.on(GetBucketTaggingCommand, { Bucket: 'stratus-demo-logs' }).resolves({ TagSet: [{ Key: 'retention', Value: '90d' }] });
    s3.on(GetBucketTaggingCommand, { Bucket: 'stratus-demo-legacy-assets' }).rejects(
      new S3ServiceException({ name: 'NoSuchTagSet', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'The TagSet does not exist' }),
    );
    cloudwatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[] }) =>
      fixtures.cpuAnswer(
        input.MetricDataQueries.filter((query) => query.Id?.startsWith('avg')).map((query) => query.MetricStat?.Metric?.Dimensions?.[0]?.Value as string),
        { 'i-0abcd1234efgh5678': [12.3456, 48.9] },
      ),
    );

    const resources = await collect(awsAdapter().discover());

    expect(instances.asked).toEqual([undefined, fixtures.instancesPage1.NextToken]);
    expect(volumes.asked).toEqual([undefined, 'volumes-page-2']);
    expect(databases.asked).toEqual([undefined, 'rds-marker-2']);
    expect(buckets.asked).toEqual([undefined, 'buckets-page-2']);
    expect(resources.map((resource) => resource.type).sort()).toEqual(
      ['bucket', 'bucket', 'database', 'database', 'disk', 'disk', 'ip_address', 'ip_address', 'load_balancer', 'snapshot', 'vm', 'vm'].sort(),
    );

    expect(byId(resources, `${ARN}:instance/i-0abcd1234efgh5678`)).toEqual({
      provider_resource_id: `${ARN}:instance/i-0abcd1234efgh5678`,
      name: 'api-1',
      type: 'vm',
      region: 'eu-west-1',
      zone: 'eu-west-1a',
      state: 'running',
      tags: { Name: 'api-1', team: 'payments' },
      metadata: {
        instance_id: 'i-0abcd1234efgh5678',
        instance_type: 'm5.xlarge',
        platform: 'Linux/UNIX',
        architecture: 'x86_64',
        lifecycle: 'on-demand',
        created_at: '2024-03-14T09:26:53.000Z',
        vpc_id: 'vpc-1a2b3c4d',
        volume_ids: ['vol-049df61146c4d7901'],
      },
      utilization: { window_days: 30, cpu_avg: 12.35, cpu_p95: 48.9 },
    });
    const stopped = byId(resources, `${ARN}:instance/i-0fedc9876ba543210`);
    expect(stopped).toMatchObject({ name: 'i-0fedc9876ba543210', state: 'stopped', metadata: { lifecycle: 'spot' } });
    expect(stopped.utilization).toBeUndefined();

    expect(byId(resources, `${ARN}:volume/vol-049df61146c4d7901`)).toMatchObject({
      state: 'in-use',
      metadata: { size_gb: 100, volume_type: 'gp3', attached_to: `${ARN}:instance/i-0abcd1234efgh5678`, snapshot_id: null },
    });
    expect(byId(resources, `${ARN}:volume/vol-1234567890abcdef0`)).toMatchObject({ state: 'available', metadata: { attached_to: null } });
    expect(byId(resources, 'arn:aws:ec2:eu-west-1::snapshot/snap-0b5e733b4a4b5e5a6')).toMatchObject({
      type: 'snapshot',
      state: 'completed',
      tags: { backup: 'nightly' },
      metadata: { size_gb: 200, created_at: '2021-01-20T08:00:00.000Z', source_volume: `${ARN}:volume/vol-0a1b2c3d4e5f60718` },
    });
    expect(ec2.commandCalls(DescribeSnapshotsCommand)[0]?.args[0].input).toMatchObject({ OwnerIds: ['self'] });
    expect(byId(resources, `${ARN}:elastic-ip/eipalloc-12345678`)).toMatchObject({
      state: 'in-use',
      metadata: { public_ip: '198.51.100.4', attached_to: `${ARN}:instance/i-0abcd1234efgh5678` },
    });
    expect(byId(resources, `${ARN}:elastic-ip/eipalloc-87654321`)).toMatchObject({ name: 'old-bastion', state: 'available' });
    expect(byId(resources, 'arn:aws:rds:eu-west-1:123456789012:db:orders-db')).toMatchObject({
      type: 'database',
      state: 'available',
      tags: { team: 'orders' },
      metadata: { instance_type: 'db.r6g.large', engine: 'postgres', size_gb: 200, multi_az: true },
    });
    expect(byId(resources, fixtures.loadBalancersPage.LoadBalancers?.[0]?.LoadBalancerArn as string)).toMatchObject({
      type: 'load_balancer',
      state: 'active',
      tags: { team: 'web' },
      metadata: { load_balancer_type: 'application', zones: ['eu-west-1a', 'eu-west-1b'] },
    });
    // The us-east-1 bucket is outside the scanned regions; the legacy one is located by GetBucketLocation.
    expect(resources.filter((resource) => resource.type === 'bucket').map((bucket) => [bucket.name, bucket.region, bucket.tags])).toEqual([
      ['stratus-demo-logs', 'eu-west-1', { retention: '90d' }],
      ['stratus-demo-legacy-assets', 'eu-west-1', {}],
    ]);
    expect(s3.commandCalls(GetBucketLocationCommand).map((call) => call.args[0].input.Bucket)).toEqual(['stratus-demo-legacy-assets']);
  });

  it('asks CloudWatch for average and p95 CPU over 30 days, 250 instances per call', async () => {
    const ids = Array.from({ length: 300 }, (_, index) => `i-${index.toString(16).padStart(17, '0')}`);
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: ids.map((InstanceId) => ({ InstanceId, State: { Name: 'running' }, InstanceType: 't3.micro' })) }],
    });
    cloudwatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[] }) => {
      const asked = input.MetricDataQueries.filter((query) => query.Id?.startsWith('avg')).map(
        (query) => query.MetricStat?.Metric?.Dimensions?.[0]?.Value as string,
      );
      return fixtures.cpuAnswer(asked, Object.fromEntries(asked.map((id) => [id, [5, 9]])));
    });

    const resources = await collect(awsAdapter().discover());

    const calls = cloudwatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.MetricDataQueries?.length)).toEqual([500, 100]);
    const first = calls[0];
    expect((first?.EndTime as Date).getTime() - (first?.StartTime as Date).getTime()).toBe(30 * 86_400_000);
    expect(first?.MetricDataQueries?.slice(0, 2).map((query) => [query.MetricStat?.Stat, query.MetricStat?.Period])).toEqual([
      ['Average', 30 * 86_400],
      ['p95', 30 * 86_400],
    ]);
    expect(resources.every((resource) => resource.utilization?.cpu_avg === 5 && resource.utilization.cpu_p95 === 9)).toBe(true);
  });

  it('scans every enabled region when settings.regions is absent', async () => {
    ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: 'eu-west-1' }, { RegionName: 'ap-southeast-2' }] });
    ec2.on(DescribeInstancesCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      return { Reservations: [{ Instances: [{ InstanceId: `i-in-${region}`, State: { Name: 'running' } }] }] };
    });

    const resources = await collect(awsAdapter({ settings: {} }).discover());

    expect(resources.map((resource) => resource.provider_resource_id)).toEqual([
      'arn:aws:ec2:eu-west-1:123456789012:instance/i-in-eu-west-1',
      'arn:aws:ec2:ap-southeast-2:123456789012:instance/i-in-ap-southeast-2',
    ]);
  });

  it('retries a throttled page from its own token and still returns the whole inventory', async () => {
    const page2Token = fixtures.instancesPage1.NextToken as string;
    const instances = paged(
      'NextToken',
      { first: fixtures.instancesPage1, [page2Token]: fixtures.instancesPage2 },
      { [page2Token]: [awsError('RequestLimitExceeded', 503, 'Request limit exceeded.'), awsError('Throttling', 400, 'Rate exceeded')] },
    );
    ec2.on(DescribeInstancesCommand).callsFake(instances.answer);

    const resources = await collect(awsAdapter().discover());

    expect(instances.asked).toEqual([undefined, page2Token, page2Token, page2Token]);
    expect(resources.filter((resource) => resource.type === 'vm').map((resource) => resource.name)).toEqual(['api-1', 'i-0fedc9876ba543210']);
  });

  it('gives up on throttling after the bounded retries with CloudThrottledError', async () => {
    ec2.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded', 503, 'Request limit exceeded.'));

    const error = await collect(awsAdapter().discover()).catch((caught: unknown) => caught);

    // The other listings went on; the throttled one is what made discovery incomplete.
    expect(error).toBeInstanceOf(CloudIncompleteDiscoveryError);
    expect((error as CloudIncompleteDiscoveryError).failures[0]).toBeInstanceOf(CloudThrottledError);
    expect((error as CloudIncompleteDiscoveryError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/ec2:DescribeVolumes \(eu-west-1\) was still throttled after 4 attempts/);
    expect(ec2.commandCalls(DescribeVolumesCommand)).toHaveLength(4);
  });

  it('retries 5xx and connection resets, then reports CloudUnavailableError', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    rds.on(DescribeDBInstancesCommand).rejectsOnce(reset).rejects(awsError('InternalFailure', 500, 'An internal error occurred'));

    const error = await collect(awsAdapter().discover()).catch((caught: unknown) => caught);

    expect((error as CloudIncompleteDiscoveryError).failures[0]).toBeInstanceOf(CloudUnavailableError);
    expect((error as CloudIncompleteDiscoveryError).retryable).toBe(true);
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(4);
  });

  it('turns refused credentials into CloudCredentialsError at once, naming the account and without the secret', async () => {
    // As if the provider echoed part of the request back: the secret must still not reach the message.
    ec2.on(DescribeInstancesCommand).rejects(awsError('AuthFailure', 401, `AWS was not able to validate the provided access credentials ${SECRET_KEY}`));

    const error = await collect(awsAdapter().discover()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CloudCredentialsError);
    const message = (error as Error).message;
    expect(message).toContain('AWS account 123456789012');
    expect(message).toContain('0b9d7a52-5d43-4e8e-9a0e-3c2f4f1e7a11');
    expect(message).toContain('AuthFailure');
    expect(message).toMatch(/update the credentials in Stratus/);
    expect(message).not.toContain(SECRET_KEY);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });
});
