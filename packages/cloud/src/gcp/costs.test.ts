import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudCredentialsError, CloudOperationError } from '../adapter.ts';
import { collect } from '../live/testing.ts';
import { gcpAdapter, grantTokens, PROJECT } from './test-support.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => grantTokens());
afterEach(() => nock.cleanAll());

const BIGQUERY = 'https://bigquery.googleapis.com';
const COLUMNS = ['usage_day', 'service_name', 'region', 'cost_type', 'currency', 'resource_name', 'labels', 'billed_cost', 'effective_cost'];
const schema = { fields: COLUMNS.map((name) => ({ name, type: 'STRING', mode: 'NULLABLE' })) };
const row = (...values: (string | null)[]) => ({ f: values.map((v) => ({ v })) });

const VM = `//compute.googleapis.com/projects/${PROJECT}/zones/europe-west1-b/instances/4567890123456789012`;
const resultPages: Record<string, unknown[]> = {
  first: [
    row('2025-03-01', 'Compute Engine', 'europe-west1', 'regular', 'EUR', VM, '[{"key":"env","value":"prod"}]', '12.480000000', '8.736000000'),
    row('2025-03-01', 'Cloud Storage', null, 'regular', 'EUR', null, '[]', '0.000012300', '0.000012300'),
  ],
  'bq-page-2': [row('2025-03-02', 'Invoice', null, 'tax', 'EUR', null, '[]', '4.100000000', '4.100000000')],
};

interface JobInsert {
  jobReference: { projectId: string; jobId: string };
  configuration: { query: { query: string; queryParameters: { name: string; parameterType: { type: string }; parameterValue: { value: string } }[] } };
}

/** BigQuery: a query job, whose results are not ready at the first ask, then come in two pages. */
function bigQuery(failures: [number, unknown][] = []) {
  const inserted: JobInsert[] = [];
  const pageTokens: (string | null)[] = [];
  let polls = 0;
  nock(BIGQUERY)
    .post(`/bigquery/v2/projects/${PROJECT}/jobs`)
    .query(true)
    .reply(async (req: Request) => {
      const body = (await req.json()) as JobInsert;
      inserted.push(body);
      return [200, { kind: 'bigquery#job', id: `${PROJECT}:EU.${body.jobReference.jobId}`, jobReference: { ...body.jobReference, location: 'EU' }, status: { state: 'RUNNING' } }];
    });
  nock(BIGQUERY)
    .get(/\/bigquery\/v2\/projects\/stratus-demo-prod\/queries\/[\w-]+$/)
    .query(true)
    .reply((req: Request) => {
      const failure = failures.shift();
      if (failure) return failure;
      const token = new URL(req.url).searchParams.get('pageToken');
      pageTokens.push(token);
      polls += 1;
      if (polls === 1) return [200, { kind: 'bigquery#getQueryResultsResponse', jobComplete: false, jobReference: { projectId: PROJECT, jobId: 'x', location: 'EU' } }];
      const rows = resultPages[token ?? 'first'];
      return [
        200,
        {
          kind: 'bigquery#getQueryResultsResponse',
          schema,
          jobReference: { projectId: PROJECT, jobId: 'x', location: 'EU' },
          totalRows: '3',
          rows,
          ...(token ? {} : { pageToken: 'bq-page-2' }),
          totalBytesProcessed: '1048576',
          jobComplete: true,
          cacheHit: false,
        },
      ];
    })
    .persist();
  return { inserted, pageTokens };
}

const march = { start: new Date('2025-03-01T00:00:00Z'), end: new Date('2025-03-03T00:00:00Z') };

describe('GCP costs', () => {
  it('queries the detailed billing export and reads every page of the result into FOCUS rows', async () => {
    const { inserted, pageTokens } = bigQuery();

    const rows = await collect(gcpAdapter().fetchCosts(march));

    const query = inserted[0]?.configuration.query;
    expect(query?.query).toContain('FROM `stratus-billing.billing_export.gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9`');
    expect(query?.query).toContain('resource.global_name AS resource_name');
    expect(Object.fromEntries(query?.queryParameters.map((p) => [p.name, [p.parameterType.type, p.parameterValue.value]]) ?? [])).toEqual({
      project: ['STRING', PROJECT],
      start: ['TIMESTAMP', '2025-03-01T00:00:00.000Z'],
      end: ['TIMESTAMP', '2025-03-03T00:00:00.000Z'],
    });
    expect(pageTokens).toEqual([null, null, 'bq-page-2']);
    expect(rows).toEqual([
      {
        charge_period_start: '2025-03-01T00:00:00.000Z',
        charge_period_end: '2025-03-02T00:00:00.000Z',
        billed_cost: '12.480000000',
        effective_cost: '8.736000000',
        list_cost: '12.480000000',
        currency: 'EUR',
        service_name: 'Compute Engine',
        service_category: 'Compute',
        region_id: 'europe-west1',
        provider_resource_id: VM,
        sub_account_id: PROJECT,
        charge_category: 'Usage',
        tags: { env: 'prod' },
        granularity: 'daily',
      },
      expect.objectContaining({ service_name: 'Cloud Storage', service_category: 'Storage', billed_cost: '0.000012300', tags: {} }),
      expect.objectContaining({ service_name: 'Invoice', charge_category: 'Tax', charge_period_start: '2025-03-02T00:00:00.000Z' }),
    ]);
    expect(rows[1]).not.toHaveProperty('region_id');
    expect(rows[1]).not.toHaveProperty('provider_resource_id');
  });

  it('reads the standard export too, without resources', async () => {
    const { inserted } = bigQuery();

    await collect(gcpAdapter({ settings: { billing_export_table: 'stratus-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9' } }).fetchCosts(march));

    expect(inserted[0]?.configuration.query.query).toContain('CAST(NULL AS STRING) AS resource_name');
  });

  it('asks for settings.billing_export_table, and takes nothing else as a table name', async () => {
    await expect(collect(gcpAdapter({ settings: {} }).fetchCosts(march))).rejects.toThrow(/set settings.billing_export_table/);
    await expect(
      collect(gcpAdapter({ settings: { billing_export_table: 'p.d.gcp_billing_export_v1_x` WHERE 1=1; --' } }).fetchCosts(march)),
    ).rejects.toBeInstanceOf(CloudOperationError);
  });

  it('retries a page BigQuery rate-limits (403 rateLimitExceeded) and returns every line', async () => {
    const rateLimited: [number, unknown] = [
      403,
      { error: { code: 403, message: 'Exceeded rate limits: too many api requests per user per method', errors: [{ reason: 'rateLimitExceeded', domain: 'usageLimits', message: 'Exceeded rate limits' }], status: 'PERMISSION_DENIED' } },
    ];
    bigQuery([rateLimited]);

    const rows = await collect(gcpAdapter().fetchCosts(march));

    expect(rows).toHaveLength(3);
  });

  it('reports a service account without access to the export as a credentials problem', async () => {
    bigQuery([
      [
        403,
        {
          error: {
            code: 403,
            message: `Access Denied: Table stratus-billing:billing_export.gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9: User does not have permission to query table.`,
            errors: [{ reason: 'accessDenied', domain: 'global', message: 'Access Denied' }],
            status: 'PERMISSION_DENIED',
          },
        },
      ],
    ]);

    await expect(collect(gcpAdapter().fetchCosts(march))).rejects.toThrow(CloudCredentialsError);
  });
});
