import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../app.ts';
import type { env } from '../config.ts';
import { DAY_MS, reconcileDailySchedules, schedulerIdOf } from './recommendations.worker.ts';

let t: TestApp<typeof env>;

beforeAll(async () => {
  t = await startTestApp(service);
});

afterAll(async () => {
  await t?.close();
});

describe('the daily evaluation schedules', () => {
  it('keep one daily job scheduler per organisation with a linked account, and none for the others', async () => {
    // An organisation without accounts has nothing to evaluate.
    expect(await reconcileDailySchedules(t.deps)).toEqual({ scheduled: 0, removed: 0 });
    const account = await t.database.owner
      .insertInto('cloud_accounts')
      .values({ organization_id: t.organizationId, name: 'prod', provider: 'AWS', account_id: '123456789012' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(await reconcileDailySchedules(t.deps)).toEqual({ scheduled: 1, removed: 0 });
    expect(await reconcileDailySchedules(t.deps)).toEqual({ scheduled: 1, removed: 0 });
    const [scheduler] = await t.deps.queues.queues.recommendations.getJobSchedulers();
    expect(scheduler).toMatchObject({ key: schedulerIdOf(t.organizationId), every: DAY_MS, name: 'recommendations.evaluate' });

    await t.database.owner.updateTable('cloud_accounts').set({ status: 'unlinked' }).where('id', '=', account.id).execute();
    expect(await reconcileDailySchedules(t.deps)).toEqual({ scheduled: 0, removed: 1 });
    expect(await t.deps.queues.schedulerIds('recommendations')).toEqual([]);
  });
});
