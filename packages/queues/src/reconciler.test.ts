import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createTestRedis, type TestRedis } from '@stratus/testing';
import { createRedisConnection } from './connection.ts';
import { createQueues, type Queues } from './queues.ts';
import { durableWork, reconcile } from './reconciler.ts';

/** Operations as the action executor keeps them: rows with a state, the job id is the row id. */
interface OperationRow {
  id: string;
  organization_id: string;
  status: 'queued' | 'running' | 'success';
}

function operationsWork(rows: OperationRow[]) {
  const reads: (string | undefined)[] = [];
  const work = durableWork({
    name: 'operations',
    job: 'operation.execute',
    async unfinished({ after, limit }) {
      reads.push(after);
      return rows
        .filter((row) => row.status !== 'success' && (after === undefined || row.id > after))
        .sort((a, b) => a.id.localeCompare(b.id))
        .slice(0, limit);
    },
    cursorOf: (row) => row.id,
    jobOf: (row) => ({ jobId: row.id, payload: { operation_id: row.id, organization_id: row.organization_id } }),
  });
  return { work, reads };
}

describe('reconcile against the real Redis', () => {
  let testRedis: TestRedis;
  let connection: Redis;
  let queues: Queues;
  const warnings: unknown[] = [];
  const logger = { error: () => undefined, warn: (object: object) => warnings.push(object) };

  beforeAll(() => {
    testRedis = createTestRedis();
    connection = createRedisConnection(testRedis.url, { forWorker: false });
    queues = createQueues({ connection, prefix: testRedis.prefix });
  });

  afterAll(async () => {
    await queues.close();
    connection.disconnect();
    await testRedis.cleanup();
  });

  it('enqueues again, under the same id, exactly the unfinished rows whose job is gone', async () => {
    const organization = randomUUID();
    const rows: OperationRow[] = Array.from({ length: 7 }, (_, index) => ({
      id: randomUUID(),
      organization_id: organization,
      status: index === 6 ? 'success' : index % 2 === 0 ? 'queued' : 'running',
    }));
    // Rows 0-2 still have their job (one delayed by a retry's backoff); 3-5 lost theirs; 6 is done.
    for (const row of rows.slice(0, 3)) {
      await queues.enqueue('operation.execute', { operation_id: row.id, organization_id: organization }, { jobId: row.id, delay: 60_000 });
    }
    const kept = await queues.queues.operations.getJob(rows[0]!.id);
    const { work, reads } = operationsWork(rows);

    // Pages of 2: the cursor moves through all six unfinished rows (a last, empty page ends it).
    const first = await reconcile(queues, work, { logger, pageSize: 2 });
    expect(first).toEqual({ unfinished: 6, reEnqueued: 3 });
    expect(reads).toHaveLength(4);
    expect(new Set(reads).size).toBe(4);
    for (const row of rows.slice(0, 6)) {
      const job = await queues.queues.operations.getJob(row.id);
      expect(job?.data).toEqual({ operation_id: row.id, organization_id: organization });
    }
    expect(await queues.queues.operations.getJob(rows[6]!.id)).toBeUndefined();
    // The job that was there is the same job, not a second one.
    expect((await queues.queues.operations.getJob(rows[0]!.id))?.timestamp).toBe(kept?.timestamp);
    expect(await queues.queues.operations.getJobCounts('waiting', 'delayed')).toMatchObject({ waiting: 3, delayed: 3 });
    const warned = (warnings as { jobIds: string[] }[]).flatMap((warning) => warning.jobIds);
    expect(warned.sort()).toEqual(rows.slice(3, 6).map((row) => row.id).sort());

    // Nothing is lost now: the next pass enqueues nothing, and says nothing.
    const warningsBefore = warnings.length;
    expect(await reconcile(queues, work, { logger, pageSize: 2 })).toEqual({ unfinished: 6, reEnqueued: 0 });
    expect(warnings).toHaveLength(warningsBefore);
    expect(await queues.queues.operations.getJobCounts('waiting', 'delayed')).toMatchObject({ waiting: 3, delayed: 3 });
  });
});
