/**
 * The Azure adapter against Microsoft's own published answers (fixtures/published, see its
 * README), served at the HTTP boundary to the real SDK clients and ARM calls.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudOperationError, type DiscoveryWarning } from '../adapter.ts';
import { collect, FAST } from '../live/testing.ts';
import { exampleBody, publishedJson } from '../live/published.ts';
import { ARM, armError, azureAdapter, CLIENT_ID, grantTokens, SUBSCRIPTION } from './test-support.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => grantTokens());
afterEach(() => nock.cleanAll());

const published = (name: string) => new URL(`./fixtures/published/${name}`, import.meta.url);
const QUERY_PATH = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.CostManagement/query`;

/** The Query API answering each query type with a published body (undefined: the documented 204). */
function costManagement(bodies: { ActualCost?: unknown; AmortizedCost?: unknown }) {
  nock(ARM)
    .post(QUERY_PATH)
    .query({ 'api-version': '2023-11-01' })
    .reply(async (req: Request) => {
      const { type } = (await req.json()) as { type: 'ActualCost' | 'AmortizedCost' };
      const body = bodies[type];
      return body === undefined ? [204] : [200, body];
    })
    .persist();
}

describe('Azure Cost Management, published answers (2023-11-01)', () => {
  const day = { start: new Date('2018-03-31T00:00:00Z'), end: new Date('2018-04-01T00:00:00Z') };

  it('sums the rows of BillingAccountQuery that share a day and currency, and follows its nextLink', async () => {
    const body = exampleBody<{ properties: { nextLink: string } }>(published('BillingAccountQuery.json'));
    costManagement({ ActualCost: body });
    // The example's nextLink, POSTed the query again, answers with the example's 204.
    const next = new URL(body.properties.nextLink);
    const followed = nock(ARM).post(next.pathname).query(true).reply(204);

    const rows = await collect(azureAdapter().fetchCosts(day));

    expect(followed.isDone()).toBe(true);
    // Four resource groups' rows of one day, none naming a resource or a service: one line of their sum.
    expect(rows).toEqual([
      expect.objectContaining({
        charge_period_start: '2018-03-31T00:00:00.000Z',
        charge_period_end: '2018-04-01T00:00:00.000Z',
        billed_cost: '213.491349851102',
        effective_cost: '0',
        currency: 'USD',
        service_name: '',
      }),
    ]);
    expect(rows[0]).not.toHaveProperty('provider_resource_id');
  });

  /** Whether each line of BillingAccountQuery (31 March 2018) is an estimate when pulled at `now`, for an account of these settings. */
  async function estimatedAt(now: string, settings: Record<string, unknown> = {}) {
    const body = exampleBody<{ properties: object }>(published('BillingAccountQuery.json'));
    // Without its nextLink: the one page holds the day.
    costManagement({ ActualCost: { ...body, properties: { ...body.properties, nextLink: null } } });
    const rows = await collect(azureAdapter({ settings }, { ...FAST, now: () => new Date(now) }).fetchCosts(day));
    nock.cleanAll();
    grantTokens();
    return rows.map((row) => row.estimated ?? false);
  }

  it('marks the lines of a billing month estimated until its fifth day after, then final', async () => {
    expect(await estimatedAt('2018-03-31T12:00:00Z')).toEqual([true]);
    expect(await estimatedAt('2018-04-05T23:59:59Z')).toEqual([true]);
    expect(await estimatedAt('2018-04-06T00:00:00Z')).toEqual([false]);
  });

  it("marks them estimated until the fifth day after a pay-as-you-go subscription's own billing period", async () => {
    // Signed up on the 15th: 31 March is billed in the period from 15 March to 14 April.
    const payAsYouGo = { billing_period_start_day: 15 };
    expect(await estimatedAt('2018-04-10T00:00:00Z', payAsYouGo)).toEqual([true]);
    expect(await estimatedAt('2018-04-19T23:59:59Z', payAsYouGo)).toEqual([true]);
    expect(await estimatedAt('2018-04-20T00:00:00Z', payAsYouGo)).toEqual([false]);
  });

  it('says which column is missing when an answer has no UsageDate (SubscriptionQueryGrouping)', async () => {
    costManagement({ ActualCost: exampleBody(published('SubscriptionQueryGrouping.json')) });

    const pulled = collect(azureAdapter().fetchCosts(day));

    await expect(pulled).rejects.toBeInstanceOf(CloudOperationError);
    await expect(pulled).rejects.toThrow(/ActualCost answer has no UsageDate column \(columns: PreTaxCost, ResourceGroup, Currency\)/);
  });
});

describe('Azure Resource Graph, published answers (2024-04-01)', () => {
  const first = exampleBody<{ $skipToken: string }>(published('ResourcesFirstPageQuery.json'));
  // The published next page carries a $skipToken of its own; left out, it is the last page.
  const { $skipToken: _more, ...last } = exampleBody<{ $skipToken: string }>(published('ResourcesNextPageQuery.json'));

  function resourceGraph(failures: [number, unknown, Record<string, string>][] = []) {
    const asked: (string | undefined)[] = [];
    const askedAt: number[] = [];
    nock(ARM)
      .post('/providers/Microsoft.ResourceGraph/resources')
      .query({ 'api-version': '2024-04-01' })
      .reply(async (req: Request) => {
        const { options } = (await req.json()) as { options: { $skipToken?: string } };
        asked.push(options.$skipToken);
        askedAt.push(performance.now());
        const failure = options.$skipToken ? failures.shift() : undefined;
        if (failure) return failure;
        return [200, options.$skipToken === first.$skipToken ? last : first];
      })
      .persist();
    return { asked, askedAt };
  }

  it('pages with $skipToken and maps the rows it knows (disks), skipping the others', async () => {
    const { asked } = resourceGraph();

    const resources = await collect(azureAdapter().discover());

    expect(asked).toEqual([undefined, first.$skipToken]);
    expect(resources.map((resource) => [resource.type, resource.provider_resource_id, resource.region])).toEqual([
      [
        'disk',
        '/subscriptions/cfbbd179-59d2-4052-aa06-9270a38aa9d6/resourcegroups/rg1/providers/microsoft.compute/disks/yetanothertest_osdisk_1_f396cbcb625a457bb69fe2abf5975820',
        'eastus',
      ],
      [
        'disk',
        '/subscriptions/cfbbd179-59d2-4052-aa06-9270a38aa9d6/resourcegroups/rg1/providers/microsoft.compute/disks/second_osdisk_dddddbcb625a457bb69fe2abf5975820',
        'eastus',
      ],
    ]);
  });

  it('waits out x-ms-user-quota-resets-after on a 429 before asking again', async () => {
    // Resource Graph's documented throttling headers (see the README): the quota refills in 1 s.
    const throttled: [number, unknown, Record<string, string>] = [
      429,
      armError('RateLimiting', 'Please provide below info when asking for support: timestamp = 2024-04-01T00:00:00Z, correlationId = 00000000-0000-0000-0000-000000000000.'),
      { 'x-ms-user-quota-remaining': '0', 'x-ms-user-quota-resets-after': '00:00:01' },
    ];
    const { asked, askedAt } = resourceGraph([throttled]);

    const resources = await collect(azureAdapter().discover());

    expect(asked).toEqual([undefined, first.$skipToken, first.$skipToken]);
    expect(askedAt[2]! - askedAt[1]!).toBeGreaterThanOrEqual(950);
    expect(resources).toHaveLength(2);
  });
});

describe('Azure Monitor metrics, published answers (2024-02-01)', () => {
  // The VM comes from this project's Resource Graph fixture (no published Resource Graph example
  // lists one); what is under test is Monitor's published answer about it.
  const graph = publishedJson<{ data: { type: string }[] }>(new URL('./fixtures/resource-graph-page-1.json', import.meta.url));
  const vmRow = graph.data.find((row) => row.type === 'microsoft.compute/virtualmachines');

  function metrics(body: unknown) {
    const asked: URL[] = [];
    nock(ARM)
      .post('/providers/Microsoft.ResourceGraph/resources')
      .query(true)
      .reply(200, { totalRecords: 1, count: 1, resultTruncated: 'false', data: [vmRow] })
      .persist();
    nock(ARM)
      .get(/\/providers\/Microsoft\.Insights\/metrics$/)
      .query(true)
      .reply((req: Request) => {
        asked.push(new URL(req.url));
        return [200, body];
      })
      .persist();
    return asked;
  }

  it('reads no CPU out of an answer that names other metrics (GetMetric: BlobCount, BlobCapacity)', async () => {
    const asked = metrics(exampleBody(published('GetMetric.json')));

    const [vm] = await collect(azureAdapter().discover());

    expect(Object.fromEntries(asked[0]?.searchParams ?? [])).toMatchObject({
      'api-version': '2024-02-01',
      metricnames: 'Percentage CPU',
      interval: 'PT1H',
      aggregation: 'average',
    });
    expect(vm?.type).toBe('vm');
    expect(vm?.utilization).toBeUndefined();
  });

  it('reads the hourly averages of every time series of the metric asked for, and only those', async () => {
    // The published answer with its first metric (five series of five hours: 7, 2, 0, 0, 0) named as CPU.
    const body = exampleBody<{ value: { name: { value: string; localizedValue: string } }[] }>(published('GetMetric.json'));
    body.value[0]!.name = { value: 'Percentage CPU', localizedValue: 'Percentage CPU' };
    metrics(body);

    const [vm] = await collect(azureAdapter().discover());

    expect(vm?.utilization).toEqual({ window_days: 30, cpu_avg: 1.8, cpu_p95: 7 });
  });
});

describe('Azure Monitor refused (AuthorizationFailed)', () => {
  it('discovers the VM without utilisation and warns of Microsoft.Insights/metrics/read', async () => {
    const graph = publishedJson<{ data: { type: string }[] }>(new URL('./fixtures/resource-graph-page-1.json', import.meta.url));
    const vms = graph.data.filter((row) => row.type === 'microsoft.compute/virtualmachines');
    nock(ARM).post('/providers/Microsoft.ResourceGraph/resources').query(true).reply(200, { totalRecords: vms.length, count: vms.length, resultTruncated: 'false', data: vms });
    let asked = 0;
    nock(ARM)
      .get(/\/providers\/Microsoft\.Insights\/metrics$/)
      .query(true)
      .reply((req: Request) => {
        asked += 1;
        const scope = new URL(req.url).pathname.replace(/\/providers\/Microsoft\.Insights\/metrics$/, '');
        // ARM's refusal, worded as Azure RBAC's troubleshooting guide quotes it.
        return [
          403,
          armError(
            'AuthorizationFailed',
            `The client '${CLIENT_ID}' with object id '${CLIENT_ID}' does not have authorization to perform action 'Microsoft.Insights/metrics/read' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
          ),
        ];
      })
      .persist();
    const warnings: DiscoveryWarning[] = [];

    const resources = await collect(azureAdapter().discover({ onWarning: (warning) => warnings.push(warning) }));

    expect(resources.filter((resource) => resource.type === 'vm')).toHaveLength(vms.length);
    expect(resources.filter((resource) => resource.utilization !== undefined)).toEqual([]);
    expect(warnings).toEqual([{ kind: 'metrics_unavailable', permission: 'Microsoft.Insights/metrics/read', message: expect.stringContaining('AuthorizationFailed') }]);
    expect(asked).toBe(1);
  });
});

describe('Azure VM operations, published answers', () => {
  // The example's VM, in this project's subscription.
  const VM_PATH = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rgcompute/providers/Microsoft.Compute/virtualMachines/aaaaaaaaaa`;
  const accepted = publishedJson<{ responses: { '202': { headers: { location: string } } } }>(published('VirtualMachine_Deallocate_MaximumSet_Gen.json'))
    .responses['202'].headers;

  /**
   * Deallocate answered with the example's 202 (a Location, no Azure-AsyncOperation); the Location
   * answers 202 with `pollHeaders` while the operation runs, then 200.
   */
  function deallocate(pollHeaders: Record<string, string> = {}) {
    const polledAt: number[] = [];
    nock(ARM).post(`${VM_PATH}/deallocate`).query(true).reply(202, '', accepted);
    const location = new URL(accepted.location);
    nock(location.origin)
      .get(location.pathname)
      .query(true)
      .times(2)
      .reply(() => {
        polledAt.push(performance.now());
        return polledAt.length === 1 ? [202, '', { location: accepted.location, ...pollHeaders }] : [200, ''];
      });
    nock(ARM)
      .get(`${VM_PATH}/instanceView`)
      .query(true)
      .reply(200, { statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info' }, { code: 'PowerState/deallocated', level: 'Info' }] });
    return polledAt;
  }

  const stop = () =>
    azureAdapter().execute({
      operation: 'stop',
      provider_resource_id: `/subscriptions/${SUBSCRIPTION}/resourcegroups/rgcompute/providers/microsoft.compute/virtualmachines/aaaaaaaaaa`,
      resource_type: 'vm',
      region: 'westeurope',
      params: {},
    });

  it('snapshots a disk: the PUT answered 202 Updating (no polling header) is polled at the snapshot until it succeeds', async () => {
    type Snapshot = { id: string; properties: { provisioningState: string } };
    const example = publishedJson<{ responses: Record<'200' | '202', { body: Snapshot }> }>(published('Snapshot_Create_FromAnExistingSnapshot.json')).responses;
    const RG = `/subscriptions/${SUBSCRIPTION}/resourceGroups/myresourcegroup/providers/Microsoft.Compute`;
    const diskId = `${RG}/disks/mydisk`;
    // The example's snapshot, in this project's subscription.
    const inSubscription = (body: Snapshot, provisioningState: string): Snapshot => ({
      ...body,
      id: body.id.replace('{subscription-id}', SUBSCRIPTION),
      properties: { ...body.properties, provisioningState },
    });
    const sent: unknown[] = [];
    nock(ARM).get(`${RG}/disks/mydisk`).query(true).reply(200, { id: diskId, name: 'mydisk', location: 'West US', properties: { diskSizeGB: 8 } });
    nock(ARM)
      .put(`${RG}/snapshots/mySnapshot2`)
      .query(true)
      .reply(async (req: Request) => {
        sent.push(await req.json());
        return [202, inSubscription(example['202'].body, 'Updating')];
      });
    const polls = [inSubscription(example['200'].body, 'Updating'), inSubscription(example['200'].body, 'Succeeded')];
    nock(ARM)
      .get(`${RG}/snapshots/mySnapshot2`)
      .query(true)
      .times(2)
      .reply(() => [200, polls.shift()]);

    const result = await azureAdapter().execute({
      operation: 'snapshot',
      provider_resource_id: diskId.toLowerCase(),
      resource_type: 'disk',
      region: 'westus',
      params: { name: 'mySnapshot2' },
    });

    expect(result).toEqual({
      state: 'succeeded',
      details: { snapshot_id: `${RG}/snapshots/mySnapshot2`.toLowerCase(), size_gb: null },
    });
    expect(sent).toEqual([
      expect.objectContaining({ location: 'West US', properties: expect.objectContaining({ creationData: { createOption: 'Copy', sourceResourceId: diskId }, incremental: true }) }),
    ]);
    expect(nock.isDone()).toBe(true);
  });

  it('follows the Location of a deallocate until it is done, then reads the power state', async () => {
    const polledAt = deallocate();

    await expect(stop()).resolves.toEqual({ state: 'deallocated', details: {} });
    expect(polledAt).toHaveLength(2);
    expect(nock.isDone()).toBe(true);
  });

  it('waits out the Retry-After of the running operation before polling again', async () => {
    const polledAt = deallocate({ 'retry-after': '1' });

    await expect(stop()).resolves.toEqual({ state: 'deallocated', details: {} });
    expect(polledAt[1]! - polledAt[0]!).toBeGreaterThanOrEqual(950);
  });
});
