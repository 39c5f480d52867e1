import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileSchedules, schedulerIdOf } from './discovery-scheduler.ts';
import { startIngestionApp, type IngestionApp } from '../../test/ingestion-app.ts';

let ingestion: IngestionApp;

beforeAll(async () => {
  ingestion = await startIngestionApp();
});

afterAll(async () => {
  await ingestion?.close();
});

describe('discovery schedules', () => {
  it('keeps one scheduler per active account at its interval and drops the others', async () => {
    const link = async (account_id: string, settings: Record<string, unknown>) =>
      (await ingestion.call('POST', '/v1/cloud-accounts', { body: { provider: 'AWS', account_id, name: account_id, settings } })).body.id as string;
    const hourly = await link('111111111111', { sync_interval_minutes: 60 });
    const paused = await link('222222222222', {});
    const unlinked = await link('333333333333', {});

    expect(await reconcileSchedules(ingestion.deps)).toEqual({ scheduled: 3, removed: 0 });
    await ingestion.call('PATCH', `/v1/cloud-accounts/${paused}`, { body: { status: 'disabled' } });
    await ingestion.call('DELETE', `/v1/cloud-accounts/${unlinked}`);
    expect(await reconcileSchedules(ingestion.deps)).toEqual({ scheduled: 1, removed: 2 });

    const schedulers = await ingestion.deps.queues.queues.discovery.getJobSchedulers(0, 10);
    expect(schedulers).toEqual([
      expect.objectContaining({ key: schedulerIdOf(hourly), every: 3_600_000, name: 'account.sync' }),
    ]);
    // The next pass changes nothing: upserting the same schedule is idempotent.
    expect(await reconcileSchedules(ingestion.deps)).toEqual({ scheduled: 1, removed: 0 });
  });
});
