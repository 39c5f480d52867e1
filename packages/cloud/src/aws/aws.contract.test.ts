/**
 * The AWS adapter against AWS's own published answers (fixtures/published, see its README), served
 * at the HTTP boundary: the real SDK clients sign, send and parse; nock answers as AWS does.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudIncompleteDiscoveryError, type DiscoveredResource, type DiscoveryWarning, type OperationRequest } from '../adapter.ts';
import { collect } from '../live/testing.ts';
import { publishedJson, publishedText } from '../live/published.ts';
import { awsAdapter } from './test-support.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

const published = (name: string) => new URL(`./fixtures/published/${name}`, import.meta.url);
const xml = (name: string) => publishedText(published(name));

const EC2 = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const RDS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const ELB = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
const S3 = 'http://s3.amazonaws.com/doc/2006-03-01/';

const done = (action: string) => `<${action}Response xmlns="${EC2}"><requestId>r</requestId><return>true</return></${action}Response>`;

/**
 * What a Query API answers when it has nothing to list (the wire form of an empty list), and the
 * success of the calls that return nothing (the AWS CLI examples print no output for them).
 */
const EMPTY: Record<string, string> = {
  DescribeInstances: `<DescribeInstancesResponse xmlns="${EC2}"><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>`,
  DescribeVolumes: `<DescribeVolumesResponse xmlns="${EC2}"><requestId>r</requestId><volumeSet/></DescribeVolumesResponse>`,
  DescribeSnapshots: `<DescribeSnapshotsResponse xmlns="${EC2}"><requestId>r</requestId><snapshotSet/></DescribeSnapshotsResponse>`,
  DescribeAddresses: `<DescribeAddressesResponse xmlns="${EC2}"><requestId>r</requestId><addressesSet/></DescribeAddressesResponse>`,
  DescribeDBInstances: `<DescribeDBInstancesResponse xmlns="${RDS}"><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult></DescribeDBInstancesResponse>`,
  DescribeLoadBalancers: `<DescribeLoadBalancersResponse xmlns="${ELB}"><DescribeLoadBalancersResult><LoadBalancers/></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>`,
  ...Object.fromEntries(['CreateTags', 'DeleteVolume', 'DeleteSnapshot', 'ReleaseAddress', 'ModifyInstanceAttribute'].map((action) => [action, done(action)])),
  AddTagsToResource: `<AddTagsToResourceResponse xmlns="${RDS}"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AddTagsToResourceResponse>`,
  AddTags: `<AddTagsResponse xmlns="${ELB}"><AddTagsResult/><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AddTagsResponse>`,
};

/** Per region and Action: a body, or a function giving the body of each call in turn. */
type Answers = Record<string, Record<string, string | (() => string)>>;

/**
 * EC2, RDS and ELBv2 (Query APIs: a form-encoded POST naming its Action) answering per region and
 * Action from `answers`, else as EMPTY; S3 lists `buckets` (none by default). Records what was
 * asked (`asked`: "Action (region)") and the forms sent.
 */
function queryApis(answers: Answers, buckets = `<ListAllMyBucketsResult xmlns="${S3}"><Buckets/></ListAllMyBucketsResult>`) {
  const asked: string[] = [];
  const sent: Record<string, string>[] = [];
  nock(/https:\/\/(ec2|rds|elasticloadbalancing)\.[a-z0-9-]+\.amazonaws\.com/)
    .post('/')
    .reply(async (req: Request) => {
      const region = new URL(req.url).hostname.split('.')[1] as string;
      const form = Object.fromEntries(new URLSearchParams(await req.text()));
      const action = form.Action as string;
      asked.push(`${action} (${region})`);
      sent.push(form);
      const answer = answers[region]?.[action];
      const body = typeof answer === 'function' ? answer() : (answer ?? EMPTY[action]);
      return body ? [200, body, { 'content-type': 'text/xml' }] : [400, `no answer for ${action}`];
    })
    .persist();
  nock('https://s3.us-east-1.amazonaws.com')
    .get('/')
    .query(true)
    .reply(200, buckets)
    .persist();
  return { asked, sent };
}

/** Collects a discovery's resources, also when it ends with an error. */
async function discoverAll(regions: string[]): Promise<{ resources: DiscoveredResource[]; error: unknown }> {
  const resources: DiscoveredResource[] = [];
  try {
    for await (const page of awsAdapter({ settings: { regions } }).discover()) resources.push(...page);
    return { resources, error: undefined };
  } catch (error) {
    return { resources, error };
  }
}

describe('AWS discovery, published answers', () => {
  it('gives an Elastic IP without AllocationId (EC2-Classic) its public IP as id, never undefined', async () => {
    queryApis({ 'us-east-1': { DescribeAddresses: xml('ec2-DescribeAddresses.xml') } });

    const { resources, error } = await discoverAll(['us-east-1']);

    expect(error).toBeUndefined();
    expect(resources.map((resource) => [resource.provider_resource_id, resource.state, resource.metadata.allocation_id])).toEqual([
      ['arn:aws:ec2:us-east-1:123456789012:elastic-ip/198.51.100.0', 'available', null],
      ['arn:aws:ec2:us-east-1:123456789012:elastic-ip/eipalloc-12345678', 'in-use', 'eipalloc-12345678'],
    ]);
  });

  it('builds the ARN of a DB instance answered without DBInstanceArn, as RDS writes it', async () => {
    queryApis({ 'us-east-1': { DescribeDBInstances: xml('rds-DescribeDBInstances.xml') } });

    const { resources } = await discoverAll(['us-east-1']);

    expect(resources).toEqual([
      expect.objectContaining({
        provider_resource_id: 'arn:aws:rds:us-east-1:123456789012:db:mydbinstancecf',
        name: 'mydbinstancecf',
        type: 'database',
        state: 'available',
        metadata: expect.objectContaining({ engine: 'mysql', instance_type: 'db.t3.small' }),
      }),
    ]);
  });

  it('goes on past a page it cannot read (a bad timestamp in one region), then says discovery is incomplete', async () => {
    // The published volume, its createTime made unreadable, in eu-west-1 only.
    const unreadable = xml('ec2-DescribeVolumes.xml').replace('<createTime>2013-12-18T22:35:00.084Z</createTime>', '<createTime>18/12/2013 22:35</createTime>');
    const { asked } = queryApis({
      'eu-west-1': { DescribeVolumes: unreadable },
      'us-east-1': {
        DescribeVolumes: xml('ec2-DescribeVolumes.xml'),
        DescribeLoadBalancers: xml('elbv2-DescribeLoadBalancers.xml'),
        DescribeTags: xml('elbv2-DescribeTags.xml'),
      },
    });

    const { resources, error } = await discoverAll(['eu-west-1', 'us-east-1']);

    // Every listing of both regions was asked for, after the one that failed.
    expect(asked).toEqual(expect.arrayContaining(['DescribeAddresses (eu-west-1)', 'DescribeLoadBalancers (eu-west-1)', 'DescribeVolumes (us-east-1)', 'DescribeTags (us-east-1)']));
    expect(resources.map((resource) => [resource.type, resource.provider_resource_id])).toEqual([
      ['disk', 'arn:aws:ec2:us-east-1:123456789012:volume/vol-049df61146c4d7901'],
      ['load_balancer', 'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/my-load-balancer/50dc6c495c0c9188'],
    ]);
    expect(resources[0]).toMatchObject({ zone: 'us-east-1a', state: 'in-use', metadata: { created_at: '2013-12-18T22:35:00.084Z', size_gb: 8 } });
    expect(resources[1]?.tags).toEqual({ project: 'lima', department: 'digital-media' });
    expect(error).toBeInstanceOf(CloudIncompleteDiscoveryError);
    expect((error as Error).message).toMatch(/discovery is incomplete, 1 of its listings failed .*ec2:DescribeVolumes \(eu-west-1\)/);
  });
});

describe('AWS account, published answers', () => {
  it('discovers every region DescribeRegions lists when the account names none', async () => {
    const { asked } = queryApis({ 'us-east-1': { DescribeRegions: xml('ec2-DescribeRegions.xml') } });

    for await (const _page of awsAdapter({ settings: {} }).discover()) {
      // Every listing answers empty: what matters is where discovery asked.
    }

    expect(asked[0]).toBe('DescribeRegions (us-east-1)');
    const listed = asked.filter((one) => one.startsWith('DescribeVolumes ')).sort();
    expect(listed).toHaveLength(17);
    expect(listed).toEqual(expect.arrayContaining(['DescribeVolumes (eu-north-1)', 'DescribeVolumes (ap-northeast-3)', 'DescribeVolumes (us-west-2)']));
  });

  it('verifies access keys with GetCallerIdentity and returns the account', async () => {
    nock(/https:\/\/sts\.(us-east-1\.)?amazonaws\.com/)
      .post('/')
      .reply(200, xml('sts-GetCallerIdentity.xml'), { 'content-type': 'text/xml' });

    await expect(awsAdapter().verify()).resolves.toEqual({ account_id: '123456789012' });
  });
});

describe('AWS snapshots and buckets, published answers', () => {
  it('maps a snapshot of DescribeSnapshots (OwnerIds self)', async () => {
    queryApis({ 'us-east-1': { DescribeSnapshots: xml('ec2-DescribeSnapshots.xml') } });

    const { resources, error } = await discoverAll(['us-east-1']);

    expect(error).toBeUndefined();
    expect(resources).toEqual([
      {
        provider_resource_id: 'arn:aws:ec2:us-east-1::snapshot/snap-01234567890abcdef',
        name: 'snap-01234567890abcdef',
        type: 'snapshot',
        region: 'us-east-1',
        zone: null,
        state: 'completed',
        tags: { Stack: 'test' },
        metadata: {
          snapshot_id: 'snap-01234567890abcdef',
          size_gb: 8,
          storage_tier: null,
          encrypted: false,
          description: 'This is my snapshot',
          created_at: '2019-02-28T21:28:32.000Z',
          source_volume: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-049df61146c4d7901',
        },
      },
    ]);
  });

  it('locates each bucket (GetBucketLocation), reads its tags where it is, and takes NoSuchTagSet for none', async () => {
    // ListBuckets without BucketRegion (as S3 answered before it had one): one bucket of the
    // published examples, one other that S3 places in us-east-1 by an empty constraint.
    const listed = ['amzn-s3-demo-bucket', 'amzn-s3-demo-bucket2']
      .map((name) => `<Bucket><Name>${name}</Name><CreationDate>2024-09-26T12:00:00.000Z</CreationDate></Bucket>`)
      .join('');
    queryApis({}, `<ListAllMyBucketsResult xmlns="${S3}"><Buckets>${listed}</Buckets></ListAllMyBucketsResult>`);
    const asked: string[] = [];
    const record = (answer: [number, string]) => (req: Request) => {
      const url = new URL(req.url);
      asked.push(`${url.hostname} ${[...url.searchParams.keys()].join(',')}`);
      return answer;
    };
    nock('https://amzn-s3-demo-bucket.s3.us-east-1.amazonaws.com').get('/').query({ location: '' }).reply(record([200, xml('s3-GetBucketLocation.xml')]));
    nock('https://amzn-s3-demo-bucket2.s3.us-east-1.amazonaws.com')
      .get('/')
      .query({ location: '' })
      .reply(record([200, `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${S3}"/>`]))
      .get('/')
      .query({ tagging: '' })
      .reply(record([404, '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchTagSet</Code><Message>The TagSet does not exist</Message><BucketName>amzn-s3-demo-bucket2</BucketName><RequestId>656c76696e6727732072657175657374</RequestId><HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId></Error>']));
    nock('https://amzn-s3-demo-bucket.s3.us-west-2.amazonaws.com').get('/').query({ tagging: '' }).reply(record([200, xml('s3-GetBucketTagging.xml')]));

    const { resources, error } = await discoverAll(['us-east-1', 'us-west-2']);

    expect(error).toBeUndefined();
    expect(resources.map((resource) => [resource.provider_resource_id, resource.region, resource.tags])).toEqual([
      ['arn:aws:s3:::amzn-s3-demo-bucket', 'us-west-2', { organization: 'marketing' }],
      ['arn:aws:s3:::amzn-s3-demo-bucket2', 'us-east-1', {}],
    ]);
    // Tags are read at the bucket's own regional endpoint.
    expect(asked.sort()).toEqual([
      'amzn-s3-demo-bucket.s3.us-east-1.amazonaws.com location',
      'amzn-s3-demo-bucket.s3.us-west-2.amazonaws.com tagging',
      'amzn-s3-demo-bucket2.s3.us-east-1.amazonaws.com location',
      'amzn-s3-demo-bucket2.s3.us-east-1.amazonaws.com tagging',
    ]);
  });
});

describe('AWS CloudWatch GetMetricData, published answers', () => {
  it('reads an instance’s average and p95 CPU from GetMetricData, following its NextToken', async () => {
    queryApis({ 'us-east-1': { DescribeInstances: xml('ec2-DescribeInstances.xml') } });
    // The published result, answered for each query the adapter asks: the average on a first,
    // partial page that names the next, the p95 on that next page.
    const result = publishedJson<{ MetricDataResults: { Id: string; StatusCode: string }[] }>(published('cloudwatch-GetMetricData.json'));
    const page = (id: string, statusCode: string, nextToken?: string) => ({
      ...result,
      MetricDataResults: result.MetricDataResults.map((one) => ({ ...one, Id: id, StatusCode: statusCode })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    });
    const answers = [page('avg0', 'PartialData', 'page-2'), page('p950', 'Complete')];
    const asked: { target: string | null; body: Record<string, unknown> }[] = [];
    nock('https://monitoring.us-east-1.amazonaws.com')
      .post('/')
      .reply(async (req: Request) => {
        asked.push({ target: req.headers.get('x-amz-target'), body: (await req.json()) as Record<string, unknown> });
        return [200, answers.shift(), { 'content-type': 'application/x-amz-json-1.0' }];
      })
      .persist();

    const { resources, error } = await discoverAll(['us-east-1']);

    expect(error).toBeUndefined();
    expect(resources).toEqual([
      expect.objectContaining({
        provider_resource_id: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0',
        utilization: { window_days: 30, cpu_avg: 96.85, cpu_p95: 96.85 },
      }),
    ]);
    expect(asked.map((one) => [one.target, one.body.NextToken])).toEqual([
      ['GraniteServiceVersion20100801.GetMetricData', undefined],
      ['GraniteServiceVersion20100801.GetMetricData', 'page-2'],
    ]);
    // One 30-day period per query, so that CloudWatch computes the p95 over every sample.
    expect(asked[0]?.body.MetricDataQueries).toEqual([
      expect.objectContaining({ Id: 'avg0', MetricStat: expect.objectContaining({ Period: 2_592_000, Stat: 'Average' }) }),
      expect.objectContaining({ Id: 'p950', MetricStat: expect.objectContaining({ Period: 2_592_000, Stat: 'p95' }) }),
    ]);
  });
});

describe('AWS CloudWatch refused (AccessDenied)', () => {
  it('discovers the instances without utilisation, warns once of cloudwatch:GetMetricData, and asks no more', async () => {
    queryApis({
      'us-east-1': { DescribeInstances: xml('ec2-DescribeInstances.xml') },
      'eu-west-1': { DescribeInstances: xml('ec2-DescribeInstances.xml') },
    });
    // The JSON protocol's error shape, with the message IAM documents for an action no policy allows.
    const denied = {
      __type: 'AccessDeniedException',
      Message:
        'User: arn:aws:iam::123456789012:user/stratus-reader is not authorized to perform: cloudwatch:GetMetricData because no identity-based policy allows the cloudwatch:GetMetricData action',
    };
    const asked: string[] = [];
    for (const region of ['us-east-1', 'eu-west-1']) {
      nock(`https://monitoring.${region}.amazonaws.com`)
        .post('/')
        .reply(() => {
          asked.push(region);
          return [403, denied, { 'content-type': 'application/x-amz-json-1.0' }];
        })
        .persist();
    }
    const warnings: DiscoveryWarning[] = [];

    const resources = await collect(awsAdapter({ settings: { regions: ['us-east-1', 'eu-west-1'] } }).discover({ onWarning: (warning) => warnings.push(warning) }));

    expect(resources.filter((resource) => resource.type === 'vm')).toHaveLength(2);
    expect(resources.filter((resource) => resource.utilization !== undefined)).toEqual([]);
    expect(warnings).toEqual([{ kind: 'metrics_unavailable', permission: 'cloudwatch:GetMetricData', message: expect.stringContaining('AccessDeniedException') }]);
    expect(asked).toHaveLength(1);
  });
});

describe('AWS Cost Explorer, published answers', () => {
  const CE = 'https://ce.us-east-1.amazonaws.com';
  const september = { start: new Date('2017-09-01T00:00:00Z'), end: new Date('2017-10-01T00:00:00Z') };

  function costExplorer(...answers: [number, unknown][]) {
    const asked: unknown[] = [];
    nock(CE)
      .post('/')
      .reply(async (req: Request) => {
        asked.push({ target: req.headers.get('x-amz-target'), body: await req.json() });
        return answers.shift() ?? [500, { __type: 'InternalFailure' }];
      })
      .persist();
    return asked;
  }

  it('reads the groups by the answer’s GroupDefinitions, and retries LimitExceededException', async () => {
    const answer = publishedJson(published('ce-GetCostAndUsage.json'));
    const asked = costExplorer([400, { __type: 'LimitExceededException', Message: 'You have exceeded the rate limit.' }], [200, answer]);

    const rows = await collect(awsAdapter().fetchCosts(september));

    expect(asked).toHaveLength(2);
    expect(asked[0]).toMatchObject({ target: 'AWSInsightsIndexService.GetCostAndUsage', body: { Granularity: 'DAILY' } });
    // GroupDefinitions says the second key is a tag, not the region: no region is made of it.
    expect(rows.map((row) => [row.service_name, row.billed_cost, row.region_id, row.estimated])).toEqual([
      ['Amazon Simple Storage Service', '40.3543773134', undefined, undefined],
      ['Amazon Simple Storage Service', '0.2682364644', undefined, undefined],
    ]);
  });

  it('marks the lines of a period Cost Explorer calls Estimated', async () => {
    const answer = publishedJson<{ ResultsByTime: { Estimated: boolean }[] }>(published('ce-GetCostAndUsage.json'));
    answer.ResultsByTime[0]!.Estimated = true;
    costExplorer([200, answer]);

    const rows = await collect(awsAdapter().fetchCosts(september));

    expect(rows.map((row) => row.estimated)).toEqual([true, true]);
  });
});

describe('AWS operations and their waiters, published answers', () => {
  const INSTANCE = 'arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0';
  /** The published running instance, as DescribeInstances shows it in another state. */
  const inState = (code: number, name: string) =>
    xml('ec2-DescribeInstances.xml').replace('<code>16</code>\n            <name>running</name>', `<code>${code}</code>\n            <name>${name}</name>`);

  it('stops an instance (StopInstances) and waits, polling DescribeInstances, until it is stopped', async () => {
    // The same instance, as the waiter's later polls see it once stopped.
    const stopped = inState(80, 'stopped');
    const polls = [xml('ec2-DescribeInstances.xml'), stopped];
    const { asked } = queryApis({
      'us-east-1': { StopInstances: xml('ec2-StopInstances.xml'), DescribeInstances: () => polls.shift() ?? stopped },
    });

    const result = await awsAdapter().execute({
      operation: 'stop',
      provider_resource_id: INSTANCE,
      resource_type: 'vm',
      region: 'us-east-1',
      params: {},
    });

    expect(result.state).toBe('stopped');
    expect(asked).toEqual(['StopInstances (us-east-1)', 'DescribeInstances (us-east-1)', 'DescribeInstances (us-east-1)']);
  });

  it('starts an instance (StartInstances) and waits until it runs', async () => {
    const polls = [inState(0, 'pending'), xml('ec2-DescribeInstances.xml')];
    const { asked } = queryApis({ 'us-east-1': { StartInstances: xml('ec2-StartInstances.xml'), DescribeInstances: () => polls.shift() ?? xml('ec2-DescribeInstances.xml') } });

    const result = await awsAdapter().execute({ operation: 'start', provider_resource_id: INSTANCE, resource_type: 'vm', region: 'us-east-1', params: {} });

    expect(result.state).toBe('running');
    expect(asked).toEqual(['StartInstances (us-east-1)', 'DescribeInstances (us-east-1)', 'DescribeInstances (us-east-1)']);
  });

  it('terminates an instance (TerminateInstances) and waits until it is terminated', async () => {
    const polls = [inState(32, 'shutting-down'), inState(48, 'terminated')];
    const { asked } = queryApis({
      'us-east-1': { TerminateInstances: xml('ec2-TerminateInstances.xml'), DescribeInstances: () => polls.shift() ?? inState(48, 'terminated') },
    });

    const result = await awsAdapter().execute({ operation: 'delete', provider_resource_id: INSTANCE, resource_type: 'vm', region: 'us-east-1', params: {} });

    expect(result).toEqual({ state: 'terminated', details: {} });
    expect(asked).toEqual(['TerminateInstances (us-east-1)', 'DescribeInstances (us-east-1)', 'DescribeInstances (us-east-1)']);
  });

  it('releases an EC2-Classic address by the public IP discovery knows it by (ReleaseAddress)', async () => {
    const { sent } = queryApis({});

    const result = await awsAdapter().execute({
      operation: 'delete',
      provider_resource_id: 'arn:aws:ec2:us-east-1:123456789012:elastic-ip/198.51.100.0',
      resource_type: 'ip_address',
      region: 'us-east-1',
      params: {},
    });

    expect(result).toEqual({ state: 'deleted', details: {} });
    expect(sent).toEqual([expect.objectContaining({ Action: 'ReleaseAddress', PublicIp: '198.51.100.0' })]);
    expect(sent[0]).not.toHaveProperty('AllocationId');
  });

  it('resizes a running instance: stop, ModifyInstanceAttribute as the AWS CLI example sends it, start', async () => {
    // DescribeInstances: the type asked first, then the stop waiter, then the start waiter.
    const polls = [xml('ec2-DescribeInstances.xml'), inState(80, 'stopped'), xml('ec2-DescribeInstances.xml')];
    const { asked, sent } = queryApis({
      'us-east-1': {
        StopInstances: xml('ec2-StopInstances.xml'),
        StartInstances: xml('ec2-StartInstances.xml'),
        DescribeInstances: () => polls.shift() ?? xml('ec2-DescribeInstances.xml'),
      },
    });

    const result = await awsAdapter().execute({ operation: 'scale', provider_resource_id: INSTANCE, resource_type: 'vm', region: 'us-east-1', params: { size: 'm1.small' } });

    expect(result).toEqual({ state: 'running', details: { previous_size: 't3.nano', size: 'm1.small' } });
    expect(asked.map((one) => one.split(' ')[0])).toEqual([
      'DescribeInstances',
      'StopInstances',
      'DescribeInstances',
      'ModifyInstanceAttribute',
      'StartInstances',
      'DescribeInstances',
    ]);
    expect(sent.find((form) => form.Action === 'ModifyInstanceAttribute')).toMatchObject({ InstanceId: 'i-1234567890abcdef0', 'InstanceType.Value': 'm1.small' });
  });

  it('tags an EC2 resource, a DB instance and a load balancer as the AWS CLI examples do', async () => {
    const { sent } = queryApis({});
    const tag = (provider_resource_id: string, resource_type: OperationRequest['resource_type'], tags: Record<string, string>) =>
      awsAdapter().execute({ operation: 'tag', provider_resource_id, resource_type, region: 'us-east-1', params: { tags } });

    await tag('arn:aws:ec2:us-east-1:123456789012:volume/vol-049df61146c4d7901', 'disk', { Stack: 'production' });
    await tag('arn:aws:rds:us-east-1:123456789012:db:database-mysql', 'database', { Name: 'MyDatabase', Environment: 'test' });
    await tag('arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/my-load-balancer/50dc6c495c0c9188', 'load_balancer', {
      project: 'lima',
      department: 'digital-media',
    });

    expect(sent).toEqual([
      expect.objectContaining({ Action: 'CreateTags', 'ResourceId.1': 'vol-049df61146c4d7901', 'Tag.1.Key': 'Stack', 'Tag.1.Value': 'production' }),
      expect.objectContaining({
        Action: 'AddTagsToResource',
        ResourceName: 'arn:aws:rds:us-east-1:123456789012:db:database-mysql',
        'Tags.Tag.1.Key': 'Name',
        'Tags.Tag.1.Value': 'MyDatabase',
        'Tags.Tag.2.Key': 'Environment',
        'Tags.Tag.2.Value': 'test',
      }),
      expect.objectContaining({
        Action: 'AddTags',
        'ResourceArns.member.1': 'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/my-load-balancer/50dc6c495c0c9188',
        'Tags.member.1.Key': 'project',
        'Tags.member.2.Value': 'digital-media',
      }),
    ]);
  });

  it('deletes a volume and a snapshot (DeleteVolume, DeleteSnapshot)', async () => {
    const { asked, sent } = queryApis({});
    const remove = (provider_resource_id: string, resource_type: OperationRequest['resource_type']) =>
      awsAdapter().execute({ operation: 'delete', provider_resource_id, resource_type, region: 'us-east-1', params: {} });

    await expect(remove('arn:aws:ec2:us-east-1:123456789012:volume/vol-049df61146c4d7901', 'disk')).resolves.toEqual({ state: 'deleted', details: {} });
    await expect(remove('arn:aws:ec2:us-east-1::snapshot/snap-1234567890abcdef0', 'snapshot')).resolves.toEqual({ state: 'deleted', details: {} });

    expect(asked).toEqual(['DeleteVolume (us-east-1)', 'DeleteSnapshot (us-east-1)']);
    expect(sent).toEqual([
      expect.objectContaining({ VolumeId: 'vol-049df61146c4d7901' }),
      expect.objectContaining({ SnapshotId: 'snap-1234567890abcdef0' }),
    ]);
  });

  /** The published snapshot of a volume, asked for by a disk:snapshot of `clientToken`. */
  const snapshotOf = (clientToken: string) =>
    awsAdapter().execute({
      operation: 'snapshot',
      provider_resource_id: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1234567890abcdef0',
      resource_type: 'disk',
      region: 'us-east-1',
      params: { name: 'Prod backup' },
      client_token: clientToken,
    });

  it('snapshots a volume (CreateSnapshot), tagged with the operation’s token after looking for one of that token', async () => {
    const { sent } = queryApis({ 'us-east-1': { CreateSnapshot: xml('ec2-CreateSnapshot.xml') } });

    const result = await snapshotOf('0d7b4f6e-8a2c-4b1d-9e3f-5a6b7c8d9e0f');

    expect(result).toEqual({ state: 'pending', details: { snapshot_id: 'snap-09ed24a70bc19bbe4', size_gb: 8 } });
    expect(sent.map((form) => form.Action)).toEqual(['DescribeSnapshots', 'CreateSnapshot']);
    expect(sent[0]).toMatchObject({ 'Owner.1': 'self', 'Filter.1.Name': 'tag:stratus:client-token', 'Filter.1.Value.1': '0d7b4f6e-8a2c-4b1d-9e3f-5a6b7c8d9e0f' });
    expect(sent[1]).toMatchObject({
      VolumeId: 'vol-1234567890abcdef0',
      'TagSpecification.1.ResourceType': 'snapshot',
      'TagSpecification.1.Tag.1.Key': 'Name',
      'TagSpecification.1.Tag.1.Value': 'Prod backup',
      'TagSpecification.1.Tag.2.Key': 'stratus:client-token',
    });
  });

  it('returns the snapshot an earlier attempt of the same operation made, and makes none', async () => {
    const { asked } = queryApis({ 'us-east-1': { DescribeSnapshots: xml('ec2-DescribeSnapshots.xml') } });

    const result = await snapshotOf('0d7b4f6e-8a2c-4b1d-9e3f-5a6b7c8d9e0f');

    expect(result).toEqual({ state: 'completed', details: { snapshot_id: 'snap-01234567890abcdef', size_gb: 8 } });
    expect(asked).toEqual(['DescribeSnapshots (us-east-1)']);
  });

  it('returns the DB snapshot an earlier attempt made when RDS answers DBSnapshotAlreadyExists', async () => {
    // RDS's Query error for a taken identifier: the code of the model's DBSnapshotAlreadyExistsFault.
    const taken = `<ErrorResponse xmlns="${RDS}"><Error><Type>Sender</Type><Code>DBSnapshotAlreadyExists</Code><Message>Cannot create the snapshot because a snapshot with the identifier mydbsnapshot already exists.</Message></Error><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ErrorResponse>`;
    const sent: Record<string, string>[] = [];
    nock('https://rds.us-east-1.amazonaws.com')
      .post('/')
      .times(2)
      .reply(async (req: Request) => {
        const form = Object.fromEntries(new URLSearchParams(await req.text()));
        sent.push(form);
        return form.Action === 'CreateDBSnapshot' ? [400, taken, { 'content-type': 'text/xml' }] : [200, xml('rds-DescribeDBSnapshots.xml'), { 'content-type': 'text/xml' }];
      });

    const result = await awsAdapter().execute({
      operation: 'snapshot',
      provider_resource_id: 'arn:aws:rds:us-east-1:123456789012:db:mysqldb',
      resource_type: 'database',
      region: 'us-east-1',
      params: {},
      client_token: '0d7b4f6e-8a2c-4b1d-9e3f-5a6b7c8d9e0f',
    });

    expect(result).toEqual({
      state: 'available',
      details: { snapshot_id: 'mydbsnapshot', snapshot_arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:mydbsnapshot' },
    });
    // The identifier comes from the token, so that the attempt after an unknown outcome asks for the same one.
    expect(sent.map((form) => [form.Action, form.DBSnapshotIdentifier])).toEqual([
      ['CreateDBSnapshot', 'mysqldb-stratus-0d7b4f6e8a2c4b1d9e3f'],
      ['DescribeDBSnapshots', 'mysqldb-stratus-0d7b4f6e8a2c4b1d9e3f'],
    ]);
  });

  it('snapshots a DB instance (CreateDBSnapshot)', async () => {
    const { asked } = queryApis({ 'us-east-1': { CreateDBSnapshot: xml('rds-CreateDBSnapshot.xml') } });

    const result = await awsAdapter().execute({
      operation: 'snapshot',
      provider_resource_id: 'arn:aws:rds:us-east-1:123456789012:db:database-mysql',
      resource_type: 'database',
      region: 'us-east-1',
      params: { name: 'mydbsnapshot' },
    });

    expect(result).toEqual({
      state: 'creating',
      details: { snapshot_id: 'mydbsnapshot', snapshot_arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:mydbsnapshot' },
    });
    expect(asked).toEqual(['CreateDBSnapshot (us-east-1)']);
  });
});
