/**
 * The GCP adapter against Google's documented answers (fixtures/published, see its README), served
 * at the HTTP boundary to the real Google clients (REST transport).
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DiscoveryWarning } from '../adapter.ts';
import { collect, FAST } from '../live/testing.ts';
import { publishedJson } from '../live/published.ts';
import { exportQuery } from './costs.ts';
import { gcpAdapter, grantTokens, PROJECT } from './test-support.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => grantTokens());
afterEach(() => nock.cleanAll());

const published = <T = Record<string, unknown>>(name: string) => publishedJson<T>(new URL(`./fixtures/published/${name}`, import.meta.url));

/** This project's own fixtures, one directory up, where no documented body holds what a test needs. */
const projectJson = <T = Record<string, unknown>>(name: string) => publishedJson<T>(new URL(`./fixtures/${name}`, import.meta.url));

type Reply = [number, unknown, Record<string, string>?];

/** Cloud Asset Inventory's listAssets, answering the queued replies first, then the page. */
function listAssets(page: unknown, first: Reply[] = []) {
  const askedAt: number[] = [];
  nock('https://cloudasset.googleapis.com')
    .get(`/v1/projects/${PROJECT}/assets`)
    .query(true)
    .reply(() => {
      askedAt.push(performance.now());
      return first.shift() ?? [200, page];
    })
    .persist();
  return askedAt;
}

describe('GCP Cloud Asset Inventory, documented answers', () => {
  it('places rows without resource.location by their data (zone URL, Cloud SQL region)', async () => {
    listAssets(published('assets-without-location.json'));

    const resources = await collect(gcpAdapter().discover());

    expect(resources.map((resource) => [resource.name, resource.region, resource.zone])).toEqual([
      ['example-disk', 'us-central1', 'us-central1-a'],
      ['example-sql', 'europe-west1', 'europe-west1-b'],
    ]);
  });

  it('applies the account’s region filter to rows without resource.location', async () => {
    listAssets(published('assets-without-location.json'));

    const resources = await collect(gcpAdapter({ settings: { regions: ['europe-west1'] } }).discover());

    expect(resources.map((resource) => resource.name)).toEqual(['example-sql']);
  });

  it('waits out RetryInfo.retryDelay on a 429 before asking again', async () => {
    const askedAt = listAssets(published('assets-without-location.json'), [[429, published('error-429-retry-info.json')]]);

    const resources = await collect(gcpAdapter().discover());

    expect(askedAt).toHaveLength(2);
    expect(askedAt[1]! - askedAt[0]!).toBeGreaterThanOrEqual(950);
    expect(resources).toHaveLength(2);
  });
});

describe('GCP Cloud Monitoring timeSeries.list, documented answers', () => {
  it('reads CPU from every page of the listing, following nextPageToken', async () => {
    // The project's own asset page, served as the last one: it holds the VM the series are about.
    const { nextPageToken: _, ...assets } = projectJson<{ nextPageToken: string }>('assets-page-1.json');
    listAssets(assets);
    const first = published<{ nextPageToken: string }>('monitoring-timeSeries-page-1.json');
    const asked: (string | null)[] = [];
    nock('https://monitoring.googleapis.com')
      .get(`/v3/projects/${PROJECT}/timeSeries`)
      .query(true)
      .reply((req: Request) => {
        const token = new URL(req.url).searchParams.get('pageToken');
        asked.push(token);
        return [200, token === first.nextPageToken ? published('monitoring-timeSeries-page-2.json') : first];
      })
      .persist();

    const resources = await collect(gcpAdapter().discover());

    expect(asked).toEqual([null, first.nextPageToken]);
    // api-1's series is on the second page only: 20 % and 40 % of its CPU in two hours.
    const vm = resources.find((resource) => resource.type === 'vm');
    expect(vm?.utilization).toMatchObject({ cpu_avg: 30, cpu_p95: 40 });
  });
});

describe('GCP Cloud Monitoring refused (PERMISSION_DENIED)', () => {
  it('discovers the VM without utilisation and warns of monitoring.timeSeries.list', async () => {
    const { nextPageToken: _, ...assets } = projectJson<{ nextPageToken: string }>('assets-page-1.json');
    listAssets(assets);
    let asked = 0;
    nock('https://monitoring.googleapis.com')
      .get(`/v3/projects/${PROJECT}/timeSeries`)
      .query(true)
      .reply(() => {
        asked += 1;
        return [403, published('error-403-permission-denied.json')];
      })
      .persist();
    const warnings: DiscoveryWarning[] = [];

    const resources = await collect(gcpAdapter().discover({ onWarning: (warning) => warnings.push(warning) }));

    expect(resources.filter((resource) => resource.type === 'vm')).toHaveLength(1);
    // The disks keep their idle days, which come from the inventory, not from metrics.
    expect(resources.filter((resource) => resource.utilization?.cpu_avg !== undefined)).toEqual([]);
    expect(warnings).toEqual([{ kind: 'metrics_unavailable', permission: 'monitoring.timeSeries.list', message: expect.stringContaining('Permission monitoring.timeSeries.list denied') }]);
    expect(asked).toBe(1);
  });
});

describe('GCP BigQuery billing export, documented schema', () => {
  const schema = published<{ name: string; mode: string }[]>('billing-export-standard-schema.json');
  const repeated = new Set(schema.filter((field) => field.mode === 'REPEATED').map((field) => field.name));

  it.each([true, false])('groups by no REPEATED column of the export (detailed: %s)', (detailed) => {
    const query = exportQuery('stratus-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9', detailed);
    const groupBy = /GROUP BY ([^\n]+)/.exec(query)?.[1]?.split(',').map((name) => name.trim()) ?? [];

    expect(groupBy.length).toBeGreaterThan(0);
    expect(groupBy.filter((name) => repeated.has(name))).toEqual([]);
    // Every column the query reads from the export exists in its schema.
    for (const column of ['usage_start_time', 'service', 'location', 'cost_type', 'currency', 'labels', 'cost', 'credits', 'project', 'invoice']) {
      expect(schema.map((field) => field.name)).toContain(column);
      expect(query).toMatch(new RegExp(`\\b${column}\\b`));
    }
  });

  it('waits out Retry-After on a 429 from BigQuery', async () => {
    const quota = { error: { code: 429, message: 'Exceeded rate limits: too many api requests per user per method for this user_method.', errors: [{ message: 'Exceeded rate limits', domain: 'usageLimits', reason: 'rateLimitExceeded' }], status: 'RESOURCE_EXHAUSTED' } };
    const askedAt: number[] = [];
    nock('https://bigquery.googleapis.com')
      .post(`/bigquery/v2/projects/${PROJECT}/jobs`)
      .query(true)
      .reply(() => {
        askedAt.push(performance.now());
        return askedAt.length === 1 ? [429, quota, { 'retry-after': '1' }] : [400, { error: { code: 400, message: 'stop here', status: 'INVALID_ARGUMENT' } }];
      })
      .persist();
    await expect(collect(gcpAdapter().fetchCosts({ start: new Date('2025-03-01T00:00:00Z'), end: new Date('2025-03-02T00:00:00Z') }))).rejects.toThrow(/stop here/);

    expect(askedAt).toHaveLength(2);
    expect(askedAt[1]! - askedAt[0]!).toBeGreaterThanOrEqual(950);
  });
});

const BIGQUERY = 'https://bigquery.googleapis.com';
const QUERY_RESULTS = new RegExp(`^/bigquery/v2/projects/${PROJECT}/queries/[\\w-]+$`);

/**
 * BigQuery as jobs.insert and jobs.getQueryResults document it: the job RUNNING, its results not
 * complete at the first `pending` asks, then two pages joined by pageToken. Records the tokens asked.
 */
function billingQuery(pending = 1, onAsk: (asks: number) => void = () => {}) {
  const inserted = published<{ jobReference: { jobId: string } }>('bigquery-jobs-insert-running.json');
  const pages = { first: published('bigquery-getQueryResults-page-1.json'), next: published('bigquery-getQueryResults-page-2.json') };
  const nextToken = (pages.first as { pageToken: string }).pageToken;
  const asked: (string | null)[] = [];
  nock(BIGQUERY)
    .post(`/bigquery/v2/projects/${PROJECT}/jobs`)
    .query(true)
    .reply(async (req: Request) => {
      // The job answered is the one asked for: the client names its jobs.
      const { jobReference } = (await req.json()) as { jobReference: { jobId: string } };
      return [200, { ...inserted, jobReference: { ...inserted.jobReference, jobId: jobReference.jobId } }];
    });
  nock(BIGQUERY)
    .get(QUERY_RESULTS)
    .query(true)
    .reply((req: Request) => {
      const token = new URL(req.url).searchParams.get('pageToken');
      asked.push(token);
      onAsk(asked.length);
      if (asked.length <= pending) return [200, published('bigquery-getQueryResults-not-complete.json')];
      return [200, token === nextToken ? pages.next : token === null ? pages.first : { error: { code: 400, message: `unknown page token ${token}`, status: 'INVALID_ARGUMENT' } }];
    })
    .persist();
  return { asked, nextToken };
}

describe('GCP BigQuery billing export query, documented answers', () => {
  const days = { start: new Date('2025-03-31T00:00:00Z'), end: new Date('2025-04-02T00:00:00Z') };
  const at = (now: string) => gcpAdapter({}, { ...FAST, now: () => new Date(now) });

  it('waits until jobComplete, then reads every page by pageToken', async () => {
    const { asked, nextToken } = billingQuery(2);

    const rows = await collect(at('2025-05-06T00:00:00Z').fetchCosts(days));

    expect(asked).toEqual([null, null, null, nextToken]);
    expect(rows.map((row) => [row.charge_period_start.slice(0, 10), row.service_name, row.billed_cost, row.effective_cost])).toEqual([
      ['2025-03-31', 'Compute Engine', '12.48', '8.736'],
      ['2025-03-31', 'Compute Engine', '0.52', '0.52'],
      ['2025-04-01', 'Cloud Storage', '0.0123', '0.0123'],
    ]);
  });

  it('marks lines estimated while their invoice month is open, late usage by the month it is billed in', async () => {
    const estimatedAt = async (now: string) => {
      billingQuery();
      const rows = await collect(at(now).fetchCosts(days));
      nock.cleanAll();
      return rows.map((row) => row.estimated ?? false);
    };

    // March's invoice open until its fifth day after: every line an estimate.
    expect(await estimatedAt('2025-04-05T23:59:59Z')).toEqual([true, true, true]);
    // March closed: its line is final, while March 31's late usage, billed on April's invoice, is not.
    expect(await estimatedAt('2025-04-06T00:00:00Z')).toEqual([false, true, true]);
    expect(await estimatedAt('2025-05-06T00:00:00Z')).toEqual([false, false, false]);
  });

  it('stops waiting for jobComplete when the pull is cancelled', async () => {
    const pull = new AbortController();
    // The pull is cancelled while BigQuery answers its third ask; the query would complete at the tenth.
    const { asked } = billingQuery(10, (asks) => asks === 3 && pull.abort());

    await expect(collect(gcpAdapter().fetchCosts(days, { signal: pull.signal }))).rejects.toThrow(/abort/i);

    expect(asked).toHaveLength(3);
  });
});

describe('GCP Compute Engine operations, documented answers', () => {
  it('waits on an operation in the resource’s project, not the account’s', async () => {
    const running = published<{ name: string }>('compute-zone-operation-running.json');
    const host = '/compute/v1/projects/shared-vpc-host/zones/us-central1-a';
    const waits: string[] = [];
    nock('https://compute.googleapis.com')
      .post(`${host}/instances/example-instance/stop`)
      .query(true)
      .reply(200, running)
      .post(/\/compute\/v1\/projects\/[\w-]+\/zones\/us-central1-a\/operations\/[\w-]+\/wait/)
      .query(true)
      .reply((req: Request) => {
        waits.push(new URL(req.url).pathname);
        return [200, { ...running, status: 'DONE', progress: 100, endTime: '2013-07-30T15:31:02.101-07:00' }];
      })
      .get(`${host}/instances/example-instance`)
      .query(true)
      .reply(200, { kind: 'compute#instance', name: 'example-instance', status: 'TERMINATED' });

    const result = await gcpAdapter().execute({
      operation: 'stop',
      provider_resource_id: '//compute.googleapis.com/projects/shared-vpc-host/zones/us-central1-a/instances/example-instance',
      resource_type: 'vm',
      region: 'us-central1',
      params: {},
    });

    expect(waits).toEqual([`${host}/operations/${running.name}/wait`]);
    expect(result.state).toBe('terminated');
  });
});
