import { paginateGetMetricData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DescribeAddressesCommand,
  DescribeRegionsCommand,
  paginateDescribeInstances,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  type Address,
  type Instance,
  type Snapshot,
  type Volume,
} from '@aws-sdk/client-ec2';
import { DescribeTagsCommand, paginateDescribeLoadBalancers, type LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import { paginateDescribeDBInstances, type DBInstance } from '@aws-sdk/client-rds';
import { GetBucketLocationCommand, GetBucketTaggingCommand, paginateListBuckets, type Bucket } from '@aws-sdk/client-s3';
import { CloudOperationError, type CloudAccountRef, type DiscoveredResource, type DiscoveryOptions, type UtilizationSummary } from '../adapter.ts';
import { chunk, mapConcurrent } from '../live/collections.ts';
import { configuredRegions, type LiveContext } from '../live/options.ts';
import { resumablePages } from '../live/paging.ts';
import { everyStep, type DiscoveryStep } from '../live/steps.ts';
import { refusableMetrics, round, UTILIZATION_WINDOW_DAYS, utilizationWindow } from '../live/utilization.ts';
import { ec2Arn, partitionOf } from './arn.ts';
import { HOME_REGION, type AwsClients } from './clients.ts';
import { inspectAwsError } from './errors.ts';

export interface AwsContext extends LiveContext {
  clients: AwsClients;
}

type Tags = { Key?: string | undefined; Value?: string | undefined }[] | undefined;

/** GetMetricData takes at most 500 queries; each instance needs two (average and p95). */
const METRIC_QUERIES_PER_CALL = 500;
/** ELBv2 DescribeTags takes at most 20 ARNs. */
const TAG_ARNS_PER_CALL = 20;
const BUCKET_LOOKUPS_IN_FLIGHT = 8;

type RegionListing = (ctx: AwsContext, region: string, signal: AbortSignal | undefined) => AsyncGenerator<DiscoveredResource[]>;

export async function* discoverAws(ctx: AwsContext, { signal, onWarning }: DiscoveryOptions = {}): AsyncGenerator<DiscoveredResource[]> {
  const regions = configuredRegions(ctx.account) ?? (await enabledRegions(ctx, signal));
  const metrics = refusableMetrics('cloudwatch:GetMetricData', onWarning);
  const perRegion: [string, RegionListing][] = [
    ['ec2:DescribeInstances', (context, region, regionSignal) => instances(context, region, regionSignal, metrics)],
    ['ec2:DescribeVolumes', volumes],
    ['ec2:DescribeSnapshots', snapshots],
    ['ec2:DescribeAddresses', addresses],
    ['rds:DescribeDBInstances', databases],
    ['elasticloadbalancing:DescribeLoadBalancers', loadBalancers],
  ];
  const steps: DiscoveryStep<DiscoveredResource[]>[] = regions.flatMap((region) =>
    perRegion.map(([what, list]) => ({ what: `${what} (${region})`, run: () => list(ctx, region, signal) })),
  );
  steps.push({ what: 's3:ListBuckets', run: () => buckets(ctx, new Set(regions), signal) });
  yield* everyStep(ctx.label, steps, signal);
}

/** Without settings.regions, every region enabled for the account (DescribeRegions lists only those). */
async function enabledRegions(ctx: AwsContext, signal: AbortSignal | undefined): Promise<string[]> {
  const answer = await ctx.call(
    'ec2:DescribeRegions',
    () => ctx.clients.ec2(HOME_REGION).send(new DescribeRegionsCommand({}), { abortSignal: signal }),
    { signal },
  );
  return (answer.Regions ?? []).flatMap((region) => (region.RegionName ? [region.RegionName] : []));
}

type Paginate<Client, Input, Output> = (
  config: { client: Client; pageSize?: number; startingToken?: string },
  input: Input,
  options: { abortSignal?: AbortSignal | undefined },
) => AsyncIterable<Output>;

/** An SDK paginator, reopened at the last page's token when a page fails (see resumablePages). */
function sdkPages<Client, Input extends object, Output>(
  ctx: AwsContext,
  what: string,
  paginate: Paginate<Client, Input, Output>,
  request: { client: Client; input: Input; pageSize?: number },
  nextToken: (page: Output) => string | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<Output> {
  return resumablePages(
    ctx.call,
    what,
    // A copy each time: the paginators write the token into their input.
    (token) => paginate({ client: request.client, pageSize: request.pageSize, startingToken: token }, { ...request.input }, { abortSignal: signal }),
    nextToken,
    { signal },
  );
}

const LIVE_INSTANCE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

async function* instances(ctx: AwsContext, region: string, signal: AbortSignal | undefined, metrics: ReturnType<typeof refusableMetrics>) {
  const pages = sdkPages(
    ctx,
    `ec2:DescribeInstances (${region})`,
    paginateDescribeInstances,
    { client: ctx.clients.ec2(region), pageSize: 1000, input: { Filters: [{ Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES }] } },
    (page) => page.NextToken,
    signal,
  );
  for await (const page of pages) {
    const found = (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
    if (found.length === 0) continue;
    const ids = found.flatMap((instance) => instance.InstanceId ?? []);
    const utilization = await metrics(() => cpuUtilization(ctx, region, ids, signal), new Map<string, UtilizationSummary>());
    yield found.map((instance) => instanceResource(ctx.account, region, instance, utilization.get(instance.InstanceId ?? '')));
  }
}

/**
 * Average and p95 CPU over the window, one 30-day period per query so CloudWatch computes the
 * percentile over all samples; queries are batched, up to 250 instances per GetMetricData call.
 */
async function cpuUtilization(
  ctx: AwsContext,
  region: string,
  instanceIds: string[],
  signal: AbortSignal | undefined,
): Promise<Map<string, UtilizationSummary>> {
  const { start, end } = utilizationWindow();
  const period = (end.getTime() - start.getTime()) / 1000;
  const client = ctx.clients.cloudwatch(region);
  const summaries = new Map<string, UtilizationSummary>();
  for (const ids of chunk(instanceIds, METRIC_QUERIES_PER_CALL / 2)) {
    const query = (id: string, instanceId: string, stat: string): MetricDataQuery => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: instanceId }] },
        Period: period,
        Stat: stat,
      },
      ReturnData: true,
    });
    const queries = ids.flatMap((instanceId, index) => [query(`avg${index}`, instanceId, 'Average'), query(`p95${index}`, instanceId, 'p95')]);
    const pages = sdkPages(
      ctx,
      `cloudwatch:GetMetricData (${region})`,
      paginateGetMetricData,
      { client, input: { MetricDataQueries: queries, StartTime: start, EndTime: end } },
      (page) => page.NextToken,
      signal,
    );
    for await (const page of pages) {
      for (const result of page.MetricDataResults ?? []) {
        const match = /^(avg|p95)(\d+)$/.exec(result.Id ?? '');
        const instanceId = match ? ids[Number(match[2])] : undefined;
        const value = result.Values?.[0];
        if (!match || instanceId === undefined || value === undefined) continue;
        const summary = summaries.get(instanceId) ?? { window_days: UTILIZATION_WINDOW_DAYS };
        if (match[1] === 'avg') summary.cpu_avg = round(value);
        else summary.cpu_p95 = round(value);
        summaries.set(instanceId, summary);
      }
    }
  }
  return summaries;
}

async function* volumes(ctx: AwsContext, region: string, signal: AbortSignal | undefined) {
  const pages = sdkPages(
    ctx,
    `ec2:DescribeVolumes (${region})`,
    paginateDescribeVolumes,
    { client: ctx.clients.ec2(region), pageSize: 500, input: {} },
    (page) => page.NextToken,
    signal,
  );
  for await (const page of pages) {
    const found = page.Volumes ?? [];
    if (found.length > 0) yield found.map((volume) => volumeResource(ctx.account, region, volume));
  }
}

async function* snapshots(ctx: AwsContext, region: string, signal: AbortSignal | undefined) {
  const pages = sdkPages(
    ctx,
    `ec2:DescribeSnapshots (${region})`,
    paginateDescribeSnapshots,
    { client: ctx.clients.ec2(region), pageSize: 1000, input: { OwnerIds: ['self'] } },
    (page) => page.NextToken,
    signal,
  );
  for await (const page of pages) {
    const found = page.Snapshots ?? [];
    if (found.length > 0) yield found.map((snapshot) => snapshotResource(ctx.account, region, snapshot));
  }
}

async function* addresses(ctx: AwsContext, region: string, signal: AbortSignal | undefined) {
  const answer = await ctx.call(
    `ec2:DescribeAddresses (${region})`,
    () => ctx.clients.ec2(region).send(new DescribeAddressesCommand({}), { abortSignal: signal }),
    { signal },
  );
  const found = answer.Addresses ?? [];
  if (found.length > 0) yield found.map((address) => addressResource(ctx, region, address));
}

async function* databases(ctx: AwsContext, region: string, signal: AbortSignal | undefined) {
  const pages = sdkPages(
    ctx,
    `rds:DescribeDBInstances (${region})`,
    paginateDescribeDBInstances,
    { client: ctx.clients.rds(region), pageSize: 100, input: {} },
    (page) => page.Marker,
    signal,
  );
  for await (const page of pages) {
    const found = page.DBInstances ?? [];
    if (found.length > 0) yield found.map((database) => databaseResource(ctx, region, database));
  }
}

async function* loadBalancers(ctx: AwsContext, region: string, signal: AbortSignal | undefined) {
  const client = ctx.clients.elb(region);
  const pages = sdkPages(
    ctx,
    `elasticloadbalancing:DescribeLoadBalancers (${region})`,
    paginateDescribeLoadBalancers,
    { client, pageSize: 400, input: {} },
    (page) => page.NextMarker,
    signal,
  );
  for await (const page of pages) {
    const found = (page.LoadBalancers ?? []).filter((balancer) => balancer.LoadBalancerArn);
    if (found.length === 0) continue;
    const tags = new Map<string, Record<string, string>>();
    for (const arns of chunk(found.map((balancer) => balancer.LoadBalancerArn as string), TAG_ARNS_PER_CALL)) {
      const answer = await ctx.call(
        `elasticloadbalancing:DescribeTags (${region})`,
        () => client.send(new DescribeTagsCommand({ ResourceArns: arns }), { abortSignal: signal }),
        { signal },
      );
      for (const description of answer.TagDescriptions ?? []) {
        if (description.ResourceArn) tags.set(description.ResourceArn, tagRecord(description.Tags));
      }
    }
    yield found.map((balancer) => loadBalancerResource(region, balancer, tags.get(balancer.LoadBalancerArn as string) ?? {}));
  }
}

/** Buckets are listed once for the account; only those in the scanned regions are reported. */
async function* buckets(ctx: AwsContext, regions: ReadonlySet<string>, signal: AbortSignal | undefined) {
  const pages = sdkPages(
    ctx,
    's3:ListBuckets',
    paginateListBuckets,
    { client: ctx.clients.s3(HOME_REGION), pageSize: 1000, input: {} },
    (page) => page.ContinuationToken,
    signal,
  );
  for await (const page of pages) {
    const located = await mapConcurrent(page.Buckets ?? [], BUCKET_LOOKUPS_IN_FLIGHT, async (bucket) => ({
      bucket,
      region: await bucketRegion(ctx, bucket, signal),
    }));
    const inScope = located.filter(({ region }) => regions.has(region));
    const found = await mapConcurrent(inScope, BUCKET_LOOKUPS_IN_FLIGHT, async ({ bucket, region }) =>
      bucketResource(region, bucket, await bucketTags(ctx, bucket.Name as string, region, signal)),
    );
    if (found.length > 0) yield found;
  }
}

/** ListBuckets names the region when paginated; GetBucketLocation covers the older answer. */
async function bucketRegion(ctx: AwsContext, bucket: Bucket, signal: AbortSignal | undefined): Promise<string> {
  if (bucket.BucketRegion) return bucket.BucketRegion;
  const answer = await ctx.call(
    `s3:GetBucketLocation (${bucket.Name})`,
    () => ctx.clients.s3(HOME_REGION).send(new GetBucketLocationCommand({ Bucket: bucket.Name }), { abortSignal: signal }),
    { signal },
  );
  // us-east-1 answers with no constraint, and eu-west-1 buckets of old with "EU".
  const constraint: string | undefined = answer.LocationConstraint;
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

async function bucketTags(ctx: AwsContext, name: string, region: string, signal: AbortSignal | undefined): Promise<Record<string, string>> {
  const tagSet = await ctx.call(
    `s3:GetBucketTagging (${name})`,
    async () => {
      try {
        return (await ctx.clients.s3(region).send(new GetBucketTaggingCommand({ Bucket: name }), { abortSignal: signal })).TagSet;
      } catch (error) {
        // A bucket without tags answers with an error rather than an empty set.
        if (inspectAwsError(error).code === 'NoSuchTagSet') return [];
        throw error;
      }
    },
    { signal },
  );
  return tagRecord(tagSet);
}

export function tagRecord(tags: Tags): Record<string, string> {
  const record: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) record[tag.Key] = tag.Value ?? '';
  return record;
}

function iso(date: Date | undefined): string | null {
  return date ? date.toISOString() : null;
}

function instanceResource(account: CloudAccountRef, region: string, instance: Instance, utilization: UtilizationSummary | undefined): DiscoveredResource {
  const tags = tagRecord(instance.Tags);
  const id = instance.InstanceId as string;
  return {
    provider_resource_id: ec2Arn(region, account.account_id, 'instance', id),
    name: tags.Name ?? id,
    type: 'vm',
    region,
    zone: instance.Placement?.AvailabilityZone ?? null,
    state: instance.State?.Name ?? null,
    tags,
    metadata: {
      instance_id: id,
      instance_type: instance.InstanceType ?? null,
      platform: instance.PlatformDetails ?? instance.Platform ?? null,
      architecture: instance.Architecture ?? null,
      lifecycle: instance.InstanceLifecycle ?? 'on-demand',
      created_at: iso(instance.LaunchTime),
      vpc_id: instance.VpcId ?? null,
      volume_ids: (instance.BlockDeviceMappings ?? []).flatMap((mapping) => mapping.Ebs?.VolumeId ?? []),
    },
    ...(utilization ? { utilization } : {}),
  };
}

function volumeResource(account: CloudAccountRef, region: string, volume: Volume): DiscoveredResource {
  const tags = tagRecord(volume.Tags);
  const id = volume.VolumeId as string;
  const instanceId = volume.Attachments?.[0]?.InstanceId;
  return {
    provider_resource_id: ec2Arn(region, account.account_id, 'volume', id),
    name: tags.Name ?? id,
    type: 'disk',
    region,
    zone: volume.AvailabilityZone ?? null,
    state: volume.State ?? null,
    tags,
    metadata: {
      volume_id: id,
      volume_type: volume.VolumeType ?? null,
      size_gb: volume.Size ?? null,
      iops: volume.Iops ?? null,
      throughput: volume.Throughput ?? null,
      encrypted: volume.Encrypted ?? null,
      snapshot_id: volume.SnapshotId || null,
      created_at: iso(volume.CreateTime),
      attached_to: instanceId ? ec2Arn(region, account.account_id, 'instance', instanceId) : null,
    },
  };
}

function snapshotResource(account: CloudAccountRef, region: string, snapshot: Snapshot): DiscoveredResource {
  const tags = tagRecord(snapshot.Tags);
  const id = snapshot.SnapshotId as string;
  return {
    // EC2 snapshot ARNs carry no account id.
    provider_resource_id: `arn:${partitionOf(region)}:ec2:${region}::snapshot/${id}`,
    name: tags.Name ?? id,
    type: 'snapshot',
    region,
    zone: null,
    state: snapshot.State ?? null,
    tags,
    metadata: {
      snapshot_id: id,
      size_gb: snapshot.VolumeSize ?? null,
      storage_tier: snapshot.StorageTier ?? null,
      encrypted: snapshot.Encrypted ?? null,
      description: snapshot.Description || null,
      created_at: iso(snapshot.StartTime),
      source_volume: snapshot.VolumeId ? ec2Arn(region, account.account_id, 'volume', snapshot.VolumeId) : null,
    },
  };
}

/**
 * An Elastic IP is known by its allocation id; one of EC2-Classic (domain "standard") has none, and
 * is known by its public address instead, as EC2 itself does (ReleaseAddress takes PublicIp then).
 */
function addressResource(ctx: AwsContext, region: string, address: Address): DiscoveredResource {
  const { account } = ctx;
  const tags = tagRecord(address.Tags);
  const id = address.AllocationId ?? address.PublicIp ?? address.CarrierIp;
  if (!id) throw new CloudOperationError(`${ctx.label}: ec2:DescribeAddresses (${region}) answered an address with neither AllocationId nor PublicIp`);
  const attachedTo = address.InstanceId
    ? ec2Arn(region, account.account_id, 'instance', address.InstanceId)
    : address.NetworkInterfaceId
      ? ec2Arn(region, account.account_id, 'network-interface', address.NetworkInterfaceId)
      : null;
  return {
    provider_resource_id: ec2Arn(region, account.account_id, 'elastic-ip', id),
    name: tags.Name ?? address.PublicIp ?? id,
    type: 'ip_address',
    region,
    zone: null,
    // An Elastic IP has no state of its own; what matters for its cost is whether it is associated.
    state: address.AssociationId ? 'in-use' : 'available',
    tags,
    metadata: {
      allocation_id: address.AllocationId ?? null,
      public_ip: address.PublicIp ?? null,
      domain: address.Domain ?? null,
      attached_to: attachedTo,
    },
  };
}

/** RDS answers of old (and some published examples) carry no DBInstanceArn: it is built as RDS documents it. */
function databaseResource(ctx: AwsContext, region: string, database: DBInstance): DiscoveredResource {
  const identifier = database.DBInstanceIdentifier;
  if (!database.DBInstanceArn && !identifier) {
    throw new CloudOperationError(`${ctx.label}: rds:DescribeDBInstances (${region}) answered a DB instance with neither DBInstanceArn nor DBInstanceIdentifier`);
  }
  return {
    provider_resource_id: database.DBInstanceArn ?? `arn:${partitionOf(region)}:rds:${region}:${ctx.account.account_id}:db:${identifier}`,
    name: database.DBInstanceIdentifier ?? null,
    type: 'database',
    region,
    zone: database.AvailabilityZone ?? null,
    state: database.DBInstanceStatus ?? null,
    tags: tagRecord(database.TagList),
    metadata: {
      db_instance_identifier: database.DBInstanceIdentifier ?? null,
      instance_type: database.DBInstanceClass ?? null,
      engine: database.Engine ?? null,
      engine_version: database.EngineVersion ?? null,
      size_gb: database.AllocatedStorage ?? null,
      storage_type: database.StorageType ?? null,
      multi_az: database.MultiAZ ?? null,
      created_at: iso(database.InstanceCreateTime),
    },
  };
}

function loadBalancerResource(region: string, balancer: LoadBalancer, tags: Record<string, string>): DiscoveredResource {
  return {
    provider_resource_id: balancer.LoadBalancerArn as string,
    name: balancer.LoadBalancerName ?? null,
    type: 'load_balancer',
    region,
    zone: null,
    state: balancer.State?.Code ?? null,
    tags,
    metadata: {
      load_balancer_type: balancer.Type ?? null,
      scheme: balancer.Scheme ?? null,
      dns_name: balancer.DNSName ?? null,
      vpc_id: balancer.VpcId ?? null,
      zones: (balancer.AvailabilityZones ?? []).flatMap((zone) => zone.ZoneName ?? []),
      created_at: iso(balancer.CreatedTime),
    },
  };
}

function bucketResource(region: string, bucket: Bucket, tags: Record<string, string>): DiscoveredResource {
  const name = bucket.Name as string;
  return {
    provider_resource_id: `arn:${partitionOf(region)}:s3:::${name}`,
    name,
    type: 'bucket',
    region,
    zone: null,
    state: null,
    tags,
    metadata: { created_at: iso(bucket.CreationDate) },
  };
}
