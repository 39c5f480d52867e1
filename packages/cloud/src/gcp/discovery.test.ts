import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudCredentialsError, CloudThrottledError, CloudUnavailableError } from '../adapter.ts';
import { byId, collect } from '../live/testing.ts';
import page1 from './fixtures/assets-page-1.json' with { type: 'json' };
import page2 from './fixtures/assets-page-2.json' with { type: 'json' };
import page3 from './fixtures/assets-page-3.json' with { type: 'json' };
import cpuPage1 from './fixtures/cpu-time-series.json' with { type: 'json' };
import cpuPage2 from './fixtures/cpu-time-series-page-2.json' with { type: 'json' };
import { gcpAdapter, googleError, grantTokens, PRIVATE_KEY, PROJECT } from './test-support.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => grantTokens());
afterEach(() => nock.cleanAll());

type Reply = [number, unknown];

/** A Google REST list endpoint answering by pageToken, recording the requests it got. */
function listing(host: string, path: string, pages: Record<string, unknown>, failures: Record<string, Reply[]> = {}) {
  const asked: URL[] = [];
  nock(host)
    .get(path)
    .query(true)
    .reply((req: Request) => {
      const url = new URL(req.url);
      asked.push(url);
      const token = url.searchParams.get('pageToken') ?? 'first';
      return failures[token]?.shift() ?? [200, pages[token]];
    })
    .persist();
  return asked;
}

const assets = (pages: Record<string, unknown>, failures?: Record<string, Reply[]>) =>
  listing('https://cloudasset.googleapis.com', `/v1/projects/${PROJECT}/assets`, pages, failures);
const timeSeries = () =>
  listing('https://monitoring.googleapis.com', `/v3/projects/${PROJECT}/timeSeries`, { first: cpuPage1, 'ts-page-2': cpuPage2 });

const allPages = { first: page1, [page1.nextPageToken]: page2, [page2.nextPageToken]: page3 };
const INSTANCE = `//compute.googleapis.com/projects/${PROJECT}/zones/europe-west1-b/instances/api-1`;

describe('GCP discovery', () => {
  it('lists the project through Cloud Asset Inventory page by page and maps each kind', async () => {
    const asked = assets(allPages);
    const cpu = timeSeries();

    const resources = await collect(gcpAdapter().discover());

    expect(asked.map((url) => url.searchParams.get('pageToken'))).toEqual([null, page1.nextPageToken, page2.nextPageToken]);
    expect(asked[0]?.searchParams.getAll('assetTypes')).toEqual(
      expect.arrayContaining(['compute.googleapis.com/Instance', 'sqladmin.googleapis.com/Instance', 'container.googleapis.com/NodePool']),
    );
    expect(asked[0]?.searchParams.get('pageSize')).toBe('1000');
    expect(resources.map((resource) => resource.type)).toEqual([
      'vm',
      'disk',
      'disk',
      'snapshot',
      'ip_address',
      'load_balancer',
      'database',
      'bucket',
      'k8s_node_pool',
    ]);

    expect(byId(resources, INSTANCE)).toEqual({
      provider_resource_id: INSTANCE,
      name: 'api-1',
      type: 'vm',
      region: 'europe-west1',
      zone: 'europe-west1-b',
      state: 'running',
      tags: { env: 'prod', team: 'api' },
      metadata: {
        instance_id: '4567890123456789012',
        instance_type: 'n2-standard-4',
        provisioning: 'STANDARD',
        created_at: '2024-04-02T03:04:05.678-07:00',
        disks: [`//compute.googleapis.com/projects/${PROJECT}/zones/europe-west1-b/disks/api-1`],
      },
      // Hourly means over two pages of time series: 8, 42, 10 and 20 percent.
      utilization: { window_days: 30, cpu_avg: 20, cpu_p95: 42 },
    });
    expect(cpu.map((url) => url.searchParams.get('pageToken'))).toEqual([null, 'ts-page-2']);
    expect(cpu[0]?.searchParams.get('filter')).toBe(
      'metric.type = "compute.googleapis.com/instance/cpu/utilization" AND resource.type = "gce_instance"',
    );
    expect(cpu[0]?.searchParams.get('aggregation.alignmentPeriod')).toBe('3600s');

    expect(byId(resources, `//compute.googleapis.com/projects/${PROJECT}/zones/europe-west1-b/disks/api-1`)).toMatchObject({
      state: 'ready',
      metadata: { size_gb: 50, disk_type: 'pd-balanced', attached_to: INSTANCE },
    });
    const idle = byId(resources, `//compute.googleapis.com/projects/${PROJECT}/zones/europe-west1-c/disks/old-scratch`);
    expect(idle).toMatchObject({ zone: 'europe-west1-c', tags: { owner: 'data' }, metadata: { size_gb: 500, attached_to: null } });
    expect(idle.utilization?.idle_days).toBe(Math.floor((Date.now() - Date.parse('2024-12-01T08:00:00Z')) / 86_400_000));
    expect(byId(resources, `//compute.googleapis.com/projects/${PROJECT}/global/snapshots/api-1-weekly`)).toMatchObject({
      region: 'eu',
      zone: null,
      metadata: { size_gb: 50, storage_bytes: 12884901888, source_disk: `//compute.googleapis.com/projects/${PROJECT}/zones/europe-west1-b/disks/api-1` },
    });
    expect(byId(resources, `//compute.googleapis.com/projects/${PROJECT}/regions/europe-west1/addresses/legacy-ingress`)).toMatchObject({
      state: 'reserved',
      metadata: { address: '34.76.12.201', attached_to: null },
    });
    expect(byId(resources, `//cloudsql.googleapis.com/projects/${PROJECT}/instances/orders-pg`)).toMatchObject({
      type: 'database',
      region: 'europe-west1',
      zone: 'europe-west1-d',
      state: 'runnable',
      tags: { team: 'orders' },
      metadata: { engine: 'postgres', instance_type: 'db-custom-4-16384', size_gb: 200, availability: 'REGIONAL' },
    });
    expect(byId(resources, `//container.googleapis.com/projects/${PROJECT}/locations/europe-west1/clusters/gke-prod/nodePools/batch-spot`)).toMatchObject({
      tags: { workload: 'batch' },
      metadata: {
        cluster: `//container.googleapis.com/projects/${PROJECT}/locations/europe-west1/clusters/gke-prod`,
        instance_type: 'e2-highmem-8',
        autoscaling: true,
        max_count: 20,
        spot: true,
      },
    });
  });

  it('keeps the configured regions, and the global and multi-region resources', async () => {
    assets(allPages);
    timeSeries();

    const resources = await collect(gcpAdapter({ settings: { regions: ['us-east1'] } }).discover());

    expect(resources.map((resource) => resource.name)).toEqual(['api-1-weekly', 'us-api-lb', 'stratus-demo-prod-exports']);
  });

  it('retries a throttled page (RESOURCE_EXHAUSTED) and still returns the whole inventory', async () => {
    const throttled: Reply = [429, googleError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'List Assets Requests'")];
    const asked = assets(allPages, { [page1.nextPageToken]: [throttled, throttled] });
    timeSeries();

    const resources = await collect(gcpAdapter().discover());

    expect(asked.map((url) => url.searchParams.get('pageToken'))).toEqual([null, page1.nextPageToken, page1.nextPageToken, page1.nextPageToken, page2.nextPageToken]);
    expect(resources).toHaveLength(9);
  });

  it('gives up on throttling after the bounded retries with CloudThrottledError', async () => {
    const throttled: Reply = [429, googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded')];
    const asked = assets({}, { first: Array.from({ length: 10 }, () => throttled) });

    await expect(collect(gcpAdapter().discover())).rejects.toBeInstanceOf(CloudThrottledError);
    expect(asked).toHaveLength(4);
  });

  it('retries 503 and connection resets, then reports CloudUnavailableError', async () => {
    let calls = 0;
    nock('https://cloudasset.googleapis.com')
      .get(`/v1/projects/${PROJECT}/assets`)
      .query(true)
      .times(2)
      .reply(() => {
        calls += 1;
        return [503, googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.')];
      });
    const resets = nock('https://cloudasset.googleapis.com')
      .get(`/v1/projects/${PROJECT}/assets`)
      .query(true)
      .times(2)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

    await expect(collect(gcpAdapter().discover())).rejects.toBeInstanceOf(CloudUnavailableError);
    expect(calls).toBe(2);
    expect(resets.isDone()).toBe(true);
  });

  it('reports a revoked key (UNAUTHENTICATED) as a credentials problem, at once and without the key', async () => {
    const asked = assets({}, {
      first: [[401, googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.')]],
    });

    const error = await gcpAdapter()
      .verify()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CloudCredentialsError);
    const message = (error as Error).message;
    expect(message).toContain(`GCP project ${PROJECT}`);
    expect(message).toContain('UNAUTHENTICATED: Request had invalid authentication credentials');
    expect(message).toContain(`stratus-reader@${PROJECT}.iam.gserviceaccount.com`);
    expect(message).not.toContain('PRIVATE KEY');
    expect(message).not.toContain(PRIVATE_KEY.split('\n')[1]);
    expect(asked).toHaveLength(1);
  });

  it('reports a missing permission or a disabled API (PERMISSION_DENIED) as a credentials problem', async () => {
    assets({}, {
      first: [[403, googleError(403, 'PERMISSION_DENIED', `Cloud Asset API has not been used in project ${PROJECT} before or it is disabled.`)]],
    });

    await expect(collect(gcpAdapter().discover())).rejects.toThrow(CloudCredentialsError);
  });

  it('verifies with a one-asset read of the project', async () => {
    const asked = assets({ first: { assets: [page1.assets[0]], nextPageToken: 'more' } });

    await expect(gcpAdapter().verify()).resolves.toEqual({ account_id: PROJECT });
    expect(asked[0]?.searchParams.get('pageSize')).toBe('1');
  });
});
