/**
 * The GCP adapter against Google's documented answers (fixtures/published, see its README), served
 * at the HTTP boundary to the real Google clients (REST transport).
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../live/testing.ts';
import { publishedJson } from '../live/published.ts';
import { exportQuery } from './costs.ts';
import { gcpAdapter, grantTokens, PROJECT } from './test-support.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => grantTokens());
afterEach(() => nock.cleanAll());

const published = <T = Record<string, unknown>>(name: string) => publishedJson<T>(new URL(`./fixtures/published/${name}`, import.meta.url));

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

describe('GCP BigQuery billing export, documented schema', () => {
  const schema = published<{ name: string; mode: string }[]>('billing-export-standard-schema.json');
  const repeated = new Set(schema.filter((field) => field.mode === 'REPEATED').map((field) => field.name));

  it.each([true, false])('groups by no REPEATED column of the export (detailed: %s)', (detailed) => {
    const query = exportQuery('stratus-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9', detailed);
    const groupBy = /GROUP BY ([^\n]+)/.exec(query)?.[1]?.split(',').map((name) => name.trim()) ?? [];

    expect(groupBy.length).toBeGreaterThan(0);
    expect(groupBy.filter((name) => repeated.has(name))).toEqual([]);
    // Every column the query reads from the export exists in its schema.
    for (const column of ['usage_start_time', 'service', 'location', 'cost_type', 'currency', 'labels', 'cost', 'credits', 'project']) {
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
