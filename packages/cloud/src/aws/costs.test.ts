import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudThrottledError } from '../adapter.ts';
import { collect } from '../live/testing.ts';
import * as fixtures from './fixtures/responses.ts';
import { awsAdapter, awsError, paged } from './test-support.ts';

const ce = mockClient(CostExplorerClient);
beforeAll(() => nock.disableNetConnect());
afterAll(() => {
  ce.restore();
  nock.enableNetConnect();
});
beforeEach(() => ce.reset());

const march = { start: new Date('2025-03-01T00:00:00Z'), end: new Date('2025-03-03T00:00:00Z') };

describe('AWS costs', () => {
  it('reads daily Cost Explorer groups across pages into FOCUS rows for this account', async () => {
    const pages = paged('NextPageToken', { first: fixtures.costsPage1, 'ce-page-2': fixtures.costsPage2 });
    ce.on(GetCostAndUsageCommand).callsFake(pages.answer);

    const rows = await collect(awsAdapter().fetchCosts(march));

    expect(pages.asked).toEqual([undefined, 'ce-page-2']);
    expect(ce.commandCalls(GetCostAndUsageCommand)[0]?.args[0].input).toMatchObject({
      TimePeriod: { Start: '2025-03-01', End: '2025-03-03' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost', 'AmortizedCost'],
      GroupBy: [
        { Type: 'DIMENSION', Key: 'SERVICE' },
        { Type: 'DIMENSION', Key: 'REGION' },
      ],
      Filter: { Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['123456789012'] } },
    });
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({
      charge_period_start: '2025-03-01T00:00:00.000Z',
      charge_period_end: '2025-03-02T00:00:00.000Z',
      billed_cost: '41.2839201243',
      effective_cost: '35.1200000001',
      list_cost: '41.2839201243',
      currency: 'USD',
      service_name: 'Amazon Elastic Compute Cloud - Compute',
      service_category: 'Compute',
      region_id: 'eu-west-1',
      sub_account_id: '123456789012',
      charge_category: 'Usage',
      tags: {},
      granularity: 'daily',
    });
    expect(rows[1]).not.toHaveProperty('region_id');
    expect(rows[1]?.service_category).toBe('Other');
    expect(rows[2]).toMatchObject({ billed_cost: '0.0000023', service_category: 'Storage', charge_period_start: '2025-03-02T00:00:00.000Z' });
    expect(rows[3]).toMatchObject({ service_name: 'Tax', charge_category: 'Tax' });
  });

  it('asks for whole days when the period starts or ends inside one', async () => {
    ce.on(GetCostAndUsageCommand).resolves({ ResultsByTime: [] });

    await collect(awsAdapter().fetchCosts({ start: new Date('2025-03-01T06:00:00Z'), end: new Date('2025-03-02T18:00:00Z') }));

    expect(ce.commandCalls(GetCostAndUsageCommand)[0]?.args[0].input.TimePeriod).toEqual({ Start: '2025-03-01', End: '2025-03-03' });
  });

  it('retries LimitExceededException (Cost Explorer throttling) and gives up with CloudThrottledError', async () => {
    ce.on(GetCostAndUsageCommand).rejects(awsError('LimitExceededException', 400, 'Rate exceeded'));

    await expect(collect(awsAdapter().fetchCosts(march))).rejects.toBeInstanceOf(CloudThrottledError);
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(4);
  });
});
