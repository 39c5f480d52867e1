import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildEvent } from '@stratus/events';
import { costAggregated, COST_EVALUATION_COALESCE_MS } from './cost-aggregated.consumer.ts';

describe('cost.aggregated', () => {
  it("queues one evaluation of the account per minute, run at the minute's end, whatever the number of days the import changed", async () => {
    const enqueued: unknown[][] = [];
    const queues = { enqueue: async (...args: unknown[]) => void enqueued.push(args) };
    let clock = 1_700_000_000_000 - (1_700_000_000_000 % COST_EVALUATION_COALESCE_MS) + 15_000;
    const handler = costAggregated(queues as never, () => clock);
    const tenant = randomUUID();
    const cloud_account_id = randomUUID();
    const day = (date: string) => buildEvent('cost.aggregated', { tenant, data: { cloud_account_id, day: date, currency: 'USD', total: '10', by_service: {} } }).envelope;

    await handler(day('2026-06-01'), undefined as never);
    clock += 30_000;
    await handler(day('2026-06-02'), undefined as never);
    clock += 20_000;
    await handler(day('2026-06-03'), undefined as never);

    const minute = Math.floor((clock - 50_000) / COST_EVALUATION_COALESCE_MS);
    const payload = { organization_id: tenant, cloud_account_id, trigger: 'costs' };
    expect(enqueued).toEqual([
      ['recommendations.evaluate', payload, { jobId: `costs-${cloud_account_id}-${minute}`, delay: 45_000 }],
      ['recommendations.evaluate', payload, { jobId: `costs-${cloud_account_id}-${minute}`, delay: 15_000 }],
      ['recommendations.evaluate', payload, { jobId: `costs-${cloud_account_id}-${minute + 1}`, delay: 55_000 }],
    ]);
  });
});
