import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudOperationError } from '../adapter.ts';
import { collect } from '../live/testing.ts';
import actualPage1 from './fixtures/cost-actual-page-1.json' with { type: 'json' };
import actualPage2 from './fixtures/cost-actual-page-2.json' with { type: 'json' };
import amortized from './fixtures/cost-amortized.json' with { type: 'json' };
import { ARM, armError, azureAdapter, grantTokens, SUBSCRIPTION } from './test-support.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => grantTokens());
afterEach(() => nock.cleanAll());

const QUERY_PATH = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.CostManagement/query`;
const SUB = `/subscriptions/${SUBSCRIPTION}/resourcegroups/rg-web/providers`;

interface CostQuery {
  type: string;
  timePeriod: { from: string; to: string };
  dataset: { grouping: { name: string }[] };
}

/** The Query API: answers by query type and $skiptoken, and records what was asked. */
function costManagement(answer: (query: CostQuery, skipToken: string | null) => [number, unknown, Record<string, string>?]) {
  const asked: { type: string; skipToken: string | null; timePeriod: CostQuery['timePeriod']; grouping: string[] }[] = [];
  nock(ARM)
    .post(QUERY_PATH)
    .query(true)
    .reply(async (req: Request) => {
      const query = (await req.json()) as CostQuery;
      const skipToken = new URL(req.url).searchParams.get('$skiptoken');
      asked.push({ type: query.type, skipToken, timePeriod: query.timePeriod, grouping: query.dataset.grouping.map((group) => group.name) });
      return answer(query, skipToken);
    })
    .persist();
  return asked;
}

const march = { start: new Date('2025-03-01T00:00:00Z'), end: new Date('2025-03-03T00:00:00Z') };

describe('Azure costs', () => {
  it('joins ActualCost and AmortizedCost, following nextLink, into FOCUS rows', async () => {
    const asked = costManagement((query, skipToken) => {
      if (query.type === 'AmortizedCost') return [200, amortized];
      return [200, skipToken ? actualPage2 : actualPage1];
    });

    const rows = await collect(azureAdapter().fetchCosts(march));

    expect(asked.map(({ type, skipToken }) => [type, skipToken])).toEqual([
      ['ActualCost', null],
      ['ActualCost', 'AQAAAA=='],
      ['AmortizedCost', null],
    ]);
    expect(asked[0]?.timePeriod).toEqual({ from: '2025-03-01T00:00:00Z', to: '2025-03-02T23:59:59Z' });
    expect(asked[0]?.grouping).toEqual(['ResourceId', 'ServiceName']);
    expect(rows.map((row) => [row.provider_resource_id, row.charge_period_start, row.billed_cost, row.effective_cost])).toEqual([
      [`${SUB}/microsoft.compute/virtualmachines/web-01`, '2025-03-01T00:00:00.000Z', '4.19328', '2.75'],
      [`${SUB}/microsoft.compute/disks/web-01_osdisk_1_5a1f`, '2025-03-01T00:00:00.000Z', '0.6144', '0.6144'],
      [`${SUB}/microsoft.network/publicipaddresses/web-01-ip`, '2025-03-02T00:00:00.000Z', '0.00000012', '0.00000012'],
      // The reservation's purchase: billed, and spread over the usage below rather than effective itself.
      [undefined, '2025-03-02T00:00:00.000Z', '2890', '0'],
      // Covered by a reservation: nothing billed for the usage itself, its share of the reservation as effective cost.
      [`${SUB}/microsoft.compute/virtualmachines/web-02`, '2025-03-02T00:00:00.000Z', '0', '3.96'],
    ]);
    expect(rows[0]).toEqual({
      charge_period_start: '2025-03-01T00:00:00.000Z',
      charge_period_end: '2025-03-02T00:00:00.000Z',
      billed_cost: '4.19328',
      effective_cost: '2.75',
      list_cost: '4.19328',
      currency: 'EUR',
      service_name: 'Virtual Machines',
      service_category: 'Compute',
      provider_resource_id: `${SUB}/microsoft.compute/virtualmachines/web-01`,
      sub_account_id: SUBSCRIPTION,
      charge_category: 'Usage',
      tags: {},
      granularity: 'daily',
    });
    expect(rows[3]).not.toHaveProperty('provider_resource_id');
  });

  it('splits a period into queries of 31 days at most', async () => {
    const empty = { properties: { nextLink: null, columns: amortized.properties.columns, rows: [] } };
    const asked = costManagement(() => [200, empty]);

    await collect(azureAdapter().fetchCosts({ start: new Date('2025-01-01T00:00:00Z'), end: new Date('2025-02-15T00:00:00Z') }));

    expect(asked.map(({ type, timePeriod }) => [type, timePeriod.from, timePeriod.to])).toEqual([
      ['ActualCost', '2025-01-01T00:00:00Z', '2025-01-31T23:59:59Z'],
      ['AmortizedCost', '2025-01-01T00:00:00Z', '2025-01-31T23:59:59Z'],
      ['ActualCost', '2025-02-01T00:00:00Z', '2025-02-14T23:59:59Z'],
      ['AmortizedCost', '2025-02-01T00:00:00Z', '2025-02-14T23:59:59Z'],
    ]);
  });

  it('waits out Cost Management throttling (429) and returns every line', async () => {
    let throttled = 0;
    costManagement((query, skipToken) => {
      if (query.type === 'ActualCost' && skipToken && throttled < 2) {
        throttled += 1;
        return [
          429,
          armError('429', 'Too many requests. Please retry.'),
          { 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '1', 'x-ms-ratelimit-microsoft.costmanagement-qpu-remaining': 'QueriesPerHour:0' },
        ];
      }
      if (query.type === 'AmortizedCost') return [200, amortized];
      return [200, skipToken ? actualPage2 : actualPage1];
    });

    const rows = await collect(azureAdapter().fetchCosts(march));

    expect(throttled).toBe(2);
    expect(rows).toHaveLength(5);
  });

  it('never sends the token to a nextLink outside Azure Resource Manager', async () => {
    const hostile = { properties: { ...actualPage1.properties, nextLink: 'https://collector.example.com/steal?$skiptoken=x' } };
    costManagement(() => [200, hostile]);

    await expect(collect(azureAdapter().fetchCosts(march))).rejects.toThrow(CloudOperationError);
    await expect(collect(azureAdapter().fetchCosts(march))).rejects.toThrow(/refusing to send an ARM token to collector.example.com/);
  });
});
