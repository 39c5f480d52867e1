import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudCredentialsError, CloudThrottledError, CloudUnavailableError } from '../adapter.ts';
import { byId, collect } from '../live/testing.ts';
import page1 from './fixtures/resource-graph-page-1.json' with { type: 'json' };
import page2 from './fixtures/resource-graph-page-2.json' with { type: 'json' };
import { ARM, armError, azureAdapter, CLIENT_ID, CLIENT_SECRET, grantTokens, SUBSCRIPTION, TENANT, tokenEndpoint } from './test-support.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

const SUB = `/subscriptions/${SUBSCRIPTION}`;
const VM = `${SUB}/resourcegroups/rg-web/providers/microsoft.compute/virtualmachines/web-01`;

interface GraphRequest {
  subscriptions: string[];
  query: string;
  options: { $top: number; $skipToken?: string; resultFormat: string };
}

/** Resource Graph, answering by the $skipToken of the request and recording the requests. */
function resourceGraph(pages: Record<string, unknown>, failures: Record<string, [number, unknown, Record<string, string>?][]> = {}) {
  const requests: GraphRequest[] = [];
  nock(ARM)
    .post('/providers/Microsoft.ResourceGraph/resources')
    .query({ 'api-version': '2024-04-01' })
    .reply(async (req: Request) => {
      const body = (await req.json()) as GraphRequest;
      requests.push(body);
      const token = body.options.$skipToken ?? 'first';
      const failure = failures[token]?.shift();
      if (failure) return failure;
      return [200, pages[token]];
    })
    .persist();
  return requests;
}

/** Azure Monitor: hourly CPU averages 1..20 for every VM asked about. */
function monitor() {
  const asked: URL[] = [];
  nock(ARM)
    .get(/\/providers\/Microsoft\.Insights\/metrics/)
    .query(true)
    .reply((req: Request) => {
      asked.push(new URL(req.url));
      return [
        200,
        {
          cost: 719,
          timespan: '2025-02-01T00:00:00Z/2025-03-03T00:00:00Z',
          interval: 'PT1H',
          value: [
            {
              id: `${VM}/providers/Microsoft.Insights/metrics/Percentage CPU`,
              type: 'Microsoft.Insights/metrics',
              name: { value: 'Percentage CPU', localizedValue: 'Percentage CPU' },
              displayDescription: 'The percentage of allocated compute units that are currently in use by the Virtual Machine(s)',
              unit: 'Percent',
              errorCode: 'Success',
              timeseries: [
                {
                  metadatavalues: [],
                  data: Array.from({ length: 20 }, (_, hour) => ({ timeStamp: new Date(Date.UTC(2025, 1, 1, hour)).toISOString(), average: hour + 1 })),
                },
              ],
            },
          ],
          namespace: 'Microsoft.Compute/virtualMachines',
          resourceregion: 'westeurope',
        },
      ];
    })
    .persist();
  return asked;
}

describe('Azure discovery', () => {
  beforeEach(() => grantTokens());

  it('pages through Resource Graph with $skipToken and maps each kind', async () => {
    const requests = resourceGraph({ first: page1, [page1.$skipToken]: page2 });
    const metrics = monitor();

    const resources = await collect(azureAdapter().discover());

    expect(requests.map((request) => request.options.$skipToken)).toEqual([undefined, page1.$skipToken]);
    expect(requests[0]?.subscriptions).toEqual([SUBSCRIPTION]);
    expect(requests[0]?.options).toMatchObject({ $top: 1000, resultFormat: 'objectArray' });
    expect(requests[0]?.query).toMatch(/^Resources\n\| where type in~ \('microsoft\.compute\/virtualmachines', /);
    expect(requests[0]?.query).toMatch(/\| order by id asc$/);
    expect(requests[0]?.query).not.toMatch(/location in~/);

    expect(resources.map((resource) => resource.type)).toEqual([
      'vm',
      'disk',
      'ip_address',
      'snapshot',
      'database',
      'bucket',
      'k8s_node_pool',
      'k8s_node_pool',
    ]);
    expect(byId(resources, VM)).toEqual({
      provider_resource_id: VM,
      name: 'web-01',
      type: 'vm',
      region: 'westeurope',
      zone: '1',
      state: 'running',
      tags: { env: 'prod', team: 'web' },
      metadata: {
        resource_group: 'RG-WEB',
        instance_type: 'Standard_D4s_v5',
        platform: 'Linux',
        priority: 'Regular',
        created_at: '2024-02-01T10:00:00.1234567+00:00',
        os_disk: `${SUB}/resourcegroups/rg-web/providers/microsoft.compute/disks/web-01_osdisk_1_5a1f`,
      },
      // Hourly means 1..20: mean 10.5, nearest-rank p95 the 19th value.
      utilization: { window_days: 30, cpu_avg: 10.5, cpu_p95: 19 },
    });
    expect(metrics).toHaveLength(1);
    expect(metrics[0]?.pathname).toBe(`${VM}/providers/Microsoft.Insights/metrics`);
    expect(Object.fromEntries(metrics[0]?.searchParams ?? [])).toMatchObject({ metricnames: 'Percentage CPU', interval: 'PT1H', aggregation: 'average' });

    expect(byId(resources, `${SUB}/resourcegroups/rg-web/providers/microsoft.compute/disks/web-01_osdisk_1_5a1f`)).toMatchObject({
      state: 'attached',
      metadata: { size_gb: 128, sku: 'Premium_LRS', attached_to: VM },
    });
    expect(byId(resources, `${SUB}/resourcegroups/rg-web/providers/microsoft.network/publicipaddresses/web-01-ip`)).toMatchObject({
      state: 'in-use',
      metadata: { public_ip: '20.61.14.203' },
    });
    expect(byId(resources, `${SUB}/resourcegroups/rg-data/providers/microsoft.compute/snapshots/orders-disk-2023-11`)).toMatchObject({
      state: 'succeeded',
      metadata: { size_gb: 512, incremental: true, source_disk: `${SUB}/resourcegroups/rg-data/providers/microsoft.compute/disks/orders-disk` },
    });
    expect(byId(resources, `${SUB}/resourcegroups/rg-data/providers/microsoft.dbforpostgresql/flexibleservers/orders-pg`)).toMatchObject({
      state: 'ready',
      zone: '2',
      metadata: { engine: 'postgresql', engine_version: '16', instance_type: 'Standard_D2ds_v5', size_gb: 256 },
    });
    const aks = `${SUB}/resourcegroups/rg-k8s/providers/microsoft.containerservice/managedclusters/aks-prod`;
    expect(byId(resources, `${aks}/agentpools/spot`)).toEqual({
      provider_resource_id: `${aks}/agentpools/spot`,
      name: 'spot',
      type: 'k8s_node_pool',
      region: 'westeurope',
      zone: null,
      state: 'running',
      tags: { workload: 'batch' },
      metadata: {
        resource_group: 'rg-k8s',
        cluster: aks,
        instance_type: 'Standard_E8s_v5',
        node_count: 2,
        min_count: 0,
        max_count: 10,
        autoscaling: true,
        mode: 'User',
        priority: 'Spot',
        os_disk_size_gb: 128,
        zones: [],
      },
    });
    expect(byId(resources, `${aks}/agentpools/system`).tags).toEqual({ env: 'prod' });
  });

  it('limits the query to settings.regions, and only to region names', async () => {
    const requests = resourceGraph({ first: { totalRecords: 0, count: 0, resultTruncated: 'false', data: [] } });

    await collect(azureAdapter({ settings: { regions: ['westeurope', 'NorthEurope'] } }).discover());
    expect(requests[0]?.query).toContain("| where location in~ ('westeurope', 'northeurope')");

    await expect(collect(azureAdapter({ settings: { regions: ["westeurope') or 1==1 //"] } }).discover())).rejects.toThrow(/not an Azure region name/);
  });

  it('retries a throttled page (429) and still returns the whole inventory', async () => {
    const requests = resourceGraph(
      { first: page1, [page1.$skipToken]: page2 },
      { [page1.$skipToken]: [[429, armError('RateLimiting', 'Please provide below info when asking for support: timestamp = ...'), { 'retry-after': '1' }]] },
    );
    monitor();

    const resources = await collect(azureAdapter().discover());

    expect(requests.map((request) => request.options.$skipToken)).toEqual([undefined, page1.$skipToken, page1.$skipToken]);
    expect(resources).toHaveLength(8);
  });

  it('gives up on throttling after the bounded retries with CloudThrottledError', async () => {
    const always429 = Array.from({ length: 10 }, () => [429, armError('RateLimiting', 'Too many requests')] as [number, unknown]);
    const requests = resourceGraph({ first: page1 }, { first: always429 });

    await expect(collect(azureAdapter().discover())).rejects.toBeInstanceOf(CloudThrottledError);
    expect(requests).toHaveLength(4);
  });

  it('retries 5xx and dropped connections, then reports CloudUnavailableError', async () => {
    let calls = 0;
    nock(ARM)
      .post('/providers/Microsoft.ResourceGraph/resources')
      .query(true)
      .times(4)
      .reply(() => {
        calls += 1;
        return calls === 2 ? [500, armError('InternalServerError', 'Encountered internal server error')] : [503, 'Service Unavailable'];
      });

    const error = await collect(azureAdapter().discover()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CloudUnavailableError);
    expect(calls).toBe(4);
  });

  it('reports a principal without a role on the subscription as a credentials problem', async () => {
    nock(ARM)
      .post('/providers/Microsoft.ResourceGraph/resources')
      .query(true)
      .reply(
        403,
        armError(
          'AuthorizationFailed',
          `The client '${CLIENT_ID}' with object id '6a2f...' does not have authorization to perform action 'Microsoft.ResourceGraph/resources/read' over scope '/subscriptions/${SUBSCRIPTION}'.`,
        ),
      );

    const error = await collect(azureAdapter().discover()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CloudCredentialsError);
    expect((error as Error).message).toMatch(/AuthorizationFailed/);
    expect((error as Error).message).toMatch(/has a role on the subscription/);
  });
});

describe('Azure credentials', () => {
  it('turns a refused client secret (AADSTS7000215) into CloudCredentialsError naming the app, without the secret', async () => {
    let tokenCalls = 0;
    tokenEndpoint()
      .reply(() => {
        tokenCalls += 1;
        return [
          401,
          {
            error: 'invalid_client',
            error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${CLIENT_ID}'. Trace ID: 0e1f2a3b Correlation ID: 4c5d6e7f Timestamp: 2025-03-03 10:00:00Z`,
            error_codes: [7000215],
            timestamp: '2025-03-03 10:00:00Z',
            trace_id: '0e1f2a3b',
            correlation_id: '4c5d6e7f',
          },
        ];
      })
      .persist();

    const error = await azureAdapter()
      .verify()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CloudCredentialsError);
    const message = (error as Error).message;
    expect(message).toContain(`Azure subscription ${SUBSCRIPTION}`);
    expect(message).toContain('AADSTS7000215');
    expect(message).toContain(`application ${CLIENT_ID} in tenant ${TENANT}`);
    expect(message).not.toContain(CLIENT_SECRET);
    expect(tokenCalls).toBe(1);
  });

  it('verifies by reading the subscription with a token', async () => {
    grantTokens();
    let authorization: string | null = null;
    nock(ARM)
      .get(`/subscriptions/${SUBSCRIPTION}`)
      .query({ 'api-version': '2022-12-01' })
      .reply((req: Request) => {
        authorization = req.headers.get('authorization');
        return [
          200,
          {
            id: `/subscriptions/${SUBSCRIPTION}`,
            authorizationSource: 'RoleBased',
            subscriptionId: SUBSCRIPTION,
            tenantId: TENANT,
            displayName: 'Production',
            state: 'Enabled',
            subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
          },
        ];
      });

    await expect(azureAdapter().verify()).resolves.toEqual({ account_id: SUBSCRIPTION });
    expect(authorization).toBe('Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test.signature');
  });
});
