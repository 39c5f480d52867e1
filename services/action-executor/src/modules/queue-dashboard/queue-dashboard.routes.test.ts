/**
 * The queue dashboard behind the service's authentication, on the real Redis: no token is 401,
 * viewers read, operators retry a failed job, and nobody empties or pauses a queue through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '@stratus/queues';
import { eventually } from '@stratus/testing';
import type { TestApp } from '@stratus/runtime/testing';
import { startExecutorApp } from '../../../test/executor-app.ts';
import type { env } from '../../config.ts';
import { addUser } from '../../test-support.ts';
import { DASHBOARD_PATHS } from './queue-dashboard.routes.ts';

let t: TestApp<typeof env>;
let viewer: string;
let operator: string;
let failedJobId: string;

beforeAll(async () => {
  t = await startExecutorApp();
  viewer = (await addUser(t, 'viewer@a.test', 'viewer')).token;
  operator = (await addUser(t, 'operator@a.test', 'operator')).token;
  const queue = t.deps.queues.queues.operations;
  // A job the worker refuses for good (its payload is not the catalogue's) lands failed at once.
  const job = await queue.add('operation.execute', { operation_id: 'not-a-uuid' }, { attempts: 1 });
  failedJobId = job.id!;
  const never = async () => Promise.reject(new Error('not reached: the payload is refused first'));
  const worker = createWorker({
    queue: 'operations',
    connection: t.deps.redis,
    prefix: t.deps.config.REDIS_PREFIX,
    concurrency: 1,
    logger: t.deps.logger,
    handlers: { 'operation.execute': never, 'approvals.expire': never },
  });
  await eventually(async () => expect(await queue.getJobState(failedJobId)).toBe('failed'), { timeoutMs: 30_000 });
  await worker.close();
});

afterAll(async () => {
  await t?.close();
});

const api = (mount: keyof typeof DASHBOARD_PATHS, path: string) => `${DASHBOARD_PATHS[mount]}/api/queues${path}`;

describe('the queue dashboard', () => {
  it('needs a token', async () => {
    const response = await t.app.inject({ method: 'GET', url: api('view', '') });
    expect(response.statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: DASHBOARD_PATHS.view })).statusCode).toBe(401);
  });

  it("shows viewers the executor's queues, read-only, and lets them retry nothing", async () => {
    const page = await t.app.inject({ method: 'GET', url: `${DASHBOARD_PATHS.view}/`, headers: { authorization: `Bearer ${viewer}` } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const listed = await t.call('GET', api('view', '?activeQueue=operations&status=failed&page=1'), { token: viewer });
    expect(listed.status).toBe(200);
    const operations = listed.body.queues.find((queue: { name: string }) => queue.name === 'operations');
    expect(operations).toMatchObject({ readOnlyMode: true, allowRetries: false });
    expect(listed.body.queues.map((queue: { name: string }) => queue.name).sort()).toEqual(['automation', 'operations']);

    expect((await t.call('PUT', api('view', `/operations/${failedJobId}/retry`), { token: viewer })).status).toBe(405);
    expect((await t.call('PUT', api('operate', `/operations/${failedJobId}/retry`), { token: viewer })).status).toBe(403);
    expect(await t.deps.queues.queues.operations.getJobState(failedJobId)).toBe('failed');
  });

  it('lets operators retry a failed job, and nothing else', async () => {
    expect((await t.call('PUT', api('operate', '/operations/pause'), { token: operator })).status).toBe(403);
    expect((await t.call('PUT', api('operate', '/operations/retry/completed'), { token: operator })).status).toBe(403);
    expect((await t.call('PUT', api('operate', '/operations/empty'), { token: operator })).status).toBe(403);
    const retried = await t.call('PUT', api('operate', `/operations/${failedJobId}/retry`), { token: operator });
    expect(retried.status).toBe(204);
    expect(await t.deps.queues.queues.operations.getJobState(failedJobId)).toBe('waiting');
  });
});
