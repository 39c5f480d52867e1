import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '@stratus/runtime/testing';
import { startExecutorApp } from '../../test/executor-app.ts';
import type { env } from '../config.ts';
import { approvalsExpireJob, approvalsExpireSchedule } from './approvals-expire.job.ts';

let t: TestApp<typeof env>;

beforeAll(async () => {
  t = await startExecutorApp();
});

afterAll(async () => {
  await t?.close();
});

describe('approvals.expire', () => {
  it('is scheduled once on the operations queue however often replicas start', async () => {
    await approvalsExpireSchedule(t.deps).start();
    await approvalsExpireSchedule(t.deps).start();
    expect(await t.deps.queues.schedulerIds('operations')).toEqual(['approvals-expire']);
  });

  it('is done with nothing to expire', async () => {
    const handler = approvalsExpireJob(t.deps);
    expect(await handler({}, undefined as never)).toEqual({ status: 'done', expired: 0 });
  });
});
