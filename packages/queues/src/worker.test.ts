import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DelayedError, Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createTestRedis, eventually, type TestRedis } from '@stratus/testing';
import { createRedisConnection } from './connection.ts';
import { createQueues, type Queues } from './queues.ts';
import { RetryLaterError, backoffStrategy, createWorker, type JobHandlers, type JobOutcome } from './worker.ts';
import { InvalidJobPayloadError, RETRY_AFTER_BACKOFF } from './catalogue.ts';
import { InvalidScheduleError } from './schedule.ts';

const silent = { error: () => undefined, warn: () => undefined };

describe('queues and workers against the real Redis', () => {
  let testRedis: TestRedis;
  let connection: Redis;
  let queues: Queues;

  beforeAll(() => {
    testRedis = createTestRedis();
    connection = createRedisConnection(testRedis.url, { forWorker: true });
    queues = createQueues({ connection, prefix: testRedis.prefix });
  });

  afterAll(async () => {
    await queues.close();
    connection.disconnect();
    await testRedis.cleanup();
  });

  // Each test's worker stops with the test, so the next test's jobs reach only its own handlers.
  /** The other jobs of the automation queue are never enqueued here: running one fails the test's job. */
  const notEnqueuedHere = async (): Promise<JobOutcome> => {
    throw new Error('not enqueued by these tests');
  };

  function startWorker(handlers: Pick<JobHandlers<'automation'>, 'automation.rule.run'>) {
    const worker = createWorker({
      queue: 'automation',
      connection,
      prefix: testRedis.prefix,
      handlers: { 'schedules.converge': notEnqueuedHere, 'workflow.trigger': notEnqueuedHere, 'workflow.execution.run': notEnqueuedHere, ...handlers },
      concurrency: 2,
      logger: silent,
    });
    onTestFinished(() => worker.close());
    return worker;
  }

  it('hands an enqueued job to its handler with the parsed payload and keeps the outcome', async () => {
    const operationId = randomUUID();
    const organizationId = randomUUID();
    const seen: unknown[] = [];
    const worker = createWorker({
      queue: 'operations',
      connection,
      prefix: testRedis.prefix,
      concurrency: 1,
      logger: silent,
      handlers: {
        'operation.execute': async (payload) => {
          seen.push(payload);
          return { status: 'done', provider_request_id: 'req-1' };
        },
        'approvals.expire': async () => ({ status: 'skipped', reason: 'not enqueued here' }),
      },
    });
    onTestFinished(() => worker.close());

    const job = await queues.enqueue(
      'operation.execute',
      { operation_id: operationId, organization_id: organizationId },
      { jobId: operationId },
    );

    await eventually(async () => expect(await job.isCompleted()).toBe(true));
    expect(seen).toEqual([{ operation_id: operationId, organization_id: organizationId }]);
    const finished = await queues.queues.operations.getJob(operationId);
    expect(finished?.returnvalue).toEqual({ status: 'done', provider_request_id: 'req-1' });
    expect(finished?.opts).toMatchObject({ attempts: 5, backoff: { type: 'retry-after', delay: 5_000, jitter: 0.5 } });
  });

  it('enqueues once per jobId', async () => {
    const ruleId = randomUUID();
    const payload = { rule_id: ruleId, organization_id: randomUUID() };

    await queues.enqueue('automation.rule.run', payload, { jobId: ruleId, delay: 60_000 });
    await queues.enqueue('automation.rule.run', payload, { jobId: ruleId, delay: 60_000 });

    expect(await queues.queues.automation.getDelayedCount()).toBe(1);
    await queues.queues.automation.remove(ruleId);
  });

  it('refuses to enqueue a payload that fails the schema', async () => {
    await expect(
      queues.enqueue('operation.execute', { operation_id: 'not-a-uuid', organization_id: randomUUID() }),
    ).rejects.toThrow(InvalidJobPayloadError);
    expect(await queues.queues.operations.getWaitingCount()).toBe(0);
  });

  it('fails a job whose payload fails the schema at once, without retries', async () => {
    let calls = 0;
    startWorker({
      'automation.rule.run': async () => {
        calls += 1;
        return { status: 'done' };
      },
    });
    // As an older producer or a hand-made job would: straight into BullMQ, past enqueue's check.
    const raw = new Queue('automation', { connection, prefix: testRedis.prefix });
    onTestFinished(() => raw.close());
    const job = await raw.add('automation.rule.run', { rule_id: 42 }, { attempts: 3 });

    const failed = await eventually(async () => {
      const current = (await raw.getJob(job.id!)) as Job;
      expect(await current.isFailed()).toBe(true);
      return current;
    });
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/invalid payload for job automation\.rule\.run: rule_id: /);
    expect(calls).toBe(0);
  });

  it('retries a transient failure up to the catalogue\'s attempts', async () => {
    const ruleId = randomUUID();
    const attempts: number[] = [];
    startWorker({
      'automation.rule.run': async (payload, job): Promise<JobOutcome> => {
        attempts.push(job.attemptsMade);
        throw new Error('database connection reset');
      },
    });

    await queues.enqueue('automation.rule.run', { rule_id: ruleId, organization_id: randomUUID() }, { jobId: ruleId });

    const failed = await eventually(
      async () => {
        const job = (await queues.queues.automation.getJob(ruleId)) as Job;
        expect(await job.isFailed()).toBe(true);
        return job;
      },
      { timeoutMs: 20_000 },
    );
    expect(attempts).toEqual([0, 1, 2]);
    expect(failed.attemptsMade).toBe(3);
    expect(failed.failedReason).toBe('database connection reset');
  });

  it('waits what a RetryLaterError asks for before the next attempt, instead of the exponential step', async () => {
    const eventId = randomUUID();
    const startedAt: number[] = [];
    const worker = createWorker({
      queue: 'notifications',
      connection,
      prefix: testRedis.prefix,
      concurrency: 1,
      logger: silent,
      handlers: {
        'notification.deliver': async (): Promise<JobOutcome> => {
          startedAt.push(Date.now());
          if (startedAt.length === 1) throw new RetryLaterError('HTTP 429, Retry-After: 1', 1_000);
          return { status: 'done' };
        },
      },
    });
    onTestFinished(() => worker.close());

    const payload = { organization_id: randomUUID(), event_id: eventId, channel_key: 'webhook-0a1b' };
    await queues.enqueue('notification.deliver', payload, { jobId: eventId });

    await eventually(async () => expect(await (await queues.queues.notifications.getJob(eventId))?.isCompleted()).toBe(true), {
      timeoutMs: 10_000,
    });
    // The catalogue's first step is 5 s: only the error's 1 s explains a retry within that.
    const waited = startedAt[1]! - startedAt[0]!;
    expect(waited).toBeGreaterThanOrEqual(1_000);
    expect(waited).toBeLessThan(4_000);
  });

  it('draws a retry-after step down by up to its jitter, and never below', () => {
    const job = (backoff: object) => ({ opts: { backoff } }) as unknown as Job;
    expect(backoffStrategy(3, RETRY_AFTER_BACKOFF, new Error('x'), job({ type: RETRY_AFTER_BACKOFF, delay: 5_000 }))).toBe(20_000);
    const waits = Array.from({ length: 200 }, () => backoffStrategy(2, RETRY_AFTER_BACKOFF, new Error('x'), job({ type: RETRY_AFTER_BACKOFF, delay: 5_000, jitter: 0.5 })) as number);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(5_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(10_000);
    expect(new Set(waits).size).toBeGreaterThan(1);
  });

  it('puts a job off without spending an attempt when its handler moves it to delayed', async () => {
    const ruleId = randomUUID();
    const seen: number[] = [];
    startWorker({
      'automation.rule.run': async (_payload, job, token): Promise<JobOutcome> => {
        seen.push(job.attemptsMade);
        if (seen.length === 1) {
          await job.moveToDelayed(Date.now() + 50, token);
          throw new DelayedError();
        }
        return { status: 'done' };
      },
    });
    await queues.enqueue('automation.rule.run', { rule_id: ruleId, organization_id: randomUUID() }, { jobId: ruleId });
    await eventually(async () => expect(await (await queues.queues.automation.getJob(ruleId))?.isCompleted()).toBe(true), { timeoutMs: 10_000 });
    expect(seen).toEqual([0, 0]);
  });

  it('returns a skipped outcome as a completed job', async () => {
    const ruleId = randomUUID();
    startWorker({
      'automation.rule.run': async () => ({ status: 'skipped', reason: 'rule disabled' }),
    });

    await queues.enqueue('automation.rule.run', { rule_id: ruleId, organization_id: randomUUID() }, { jobId: ruleId });

    await eventually(async () => {
      const job = (await queues.queues.automation.getJob(ruleId)) as Job;
      expect(job.returnvalue).toEqual({ status: 'skipped', reason: 'rule disabled' });
    });
  });

  it('keeps one scheduler per id however often it is upserted, and removes it', async () => {
    const payload = { cloud_account_id: randomUUID(), organization_id: randomUUID(), trigger: 'schedule' as const };
    const id = `account-sync-${payload.cloud_account_id}`;
    await queues.schedule(id, 'account.sync', payload, { everyMs: 60_000 });
    await queues.schedule(id, 'account.sync', payload, { everyMs: 120_000 });
    expect(await queues.schedulerIds('discovery')).toEqual([id]);
    const [scheduler] = await queues.queues.discovery.getJobSchedulers(0, 10);
    expect(scheduler).toMatchObject({ key: id, every: 120_000, name: 'account.sync' });
    await expect(queues.schedule(id, 'account.sync', { ...payload, cloud_account_id: 'x' }, { everyMs: 1 })).rejects.toThrow(
      InvalidJobPayloadError,
    );
    await queues.unschedule('discovery', id);
    expect(await queues.schedulerIds('discovery')).toEqual([]);
  });

  it('a cron scheduler in a time zone creates its next job for the zone\'s wall-clock time, across a daylight-saving change', async () => {
    const payload = { rule_id: randomUUID(), organization_id: randomUUID() };
    const id = `rule-${payload.rule_id}`;
    // From the eve of Paris's 2027 spring change: 09:30 on 2027-03-28 is in summer time (UTC+2).
    await queues.schedule(id, 'automation.rule.run', payload, {
      pattern: '30 9 * * *',
      tz: 'Europe/Paris',
      startAt: new Date('2027-03-27T12:00:00Z'),
    });
    onTestFinished(() => queues.unschedule('automation', id));

    const scheduler = await queues.queues.automation.getJobScheduler(id);
    expect(scheduler).toMatchObject({ key: id, pattern: '30 9 * * *', tz: 'Europe/Paris', next: Date.parse('2027-03-28T07:30:00Z') });
    const delayed = await queues.queues.automation.getDelayed();
    const next = delayed.filter((job) => job.repeatJobKey === id);
    expect(next).toHaveLength(1);
    expect(new Date(next[0]!.timestamp + next[0]!.delay).toISOString()).toBe('2027-03-28T07:30:00.000Z');
    expect(next[0]!.data).toEqual(payload);
  });

  it('refuses a scheduler with an unknown zone or a bad pattern, creating nothing', async () => {
    const payload = { rule_id: randomUUID(), organization_id: randomUUID() };
    await expect(queues.schedule('rule-bad-zone', 'automation.rule.run', payload, { pattern: '0 9 * * *', tz: 'Europe/Pariss' })).rejects.toThrow(
      InvalidScheduleError,
    );
    await expect(queues.schedule('rule-bad-pattern', 'automation.rule.run', payload, { pattern: '0 9 * *', tz: 'UTC' })).rejects.toThrow(
      /invalid cron pattern "0 9 \* \*"/,
    );
    expect(await queues.schedulerIds('automation')).toEqual([]);
  });
});

// Compile-time checks: these lines fail `pnpm --filter @stratus/queues typecheck` if the types loosen.
function typeChecks(queues: Queues): void {
  // @ts-expect-error a queue's handlers must cover each of its jobs
  const missing: JobHandlers<'operations'> = {};
  // @ts-expect-error the payload is typed from the catalogue
  void queues.enqueue('operation.execute', { operation_id: 1 });
  void missing;
}
