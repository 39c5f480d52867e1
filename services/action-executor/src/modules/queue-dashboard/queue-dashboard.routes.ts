import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { PermissionName } from '@stratus/db';
import { z } from 'zod';
import { AppError, hardenRequestSchema } from '@stratus/http';
import type { QueueName, Queues } from '@stratus/queues';

/** The executor's own queues: the others belong to their services. */
const DASHBOARD_QUEUES = ['operations', 'automation'] as const satisfies readonly QueueName[];

export const DASHBOARD_PATHS = {
  /** Read-only: jobs, their data, logs and errors. */
  view: '/admin/queues',
  /** The same, with retry of failed jobs. */
  operate: '/admin/operate/queues',
} as const;

const DASHBOARD_QUERY = hardenRequestSchema(z.record(z.string(), z.string()));

const RETRY_ALL = /\/api\/queues\/:queueName\/retry\/:queueStatus$/;
const RETRY_ONE = /\/api\/queues\/:queueName\/:jobId\/retry$/;

/**
 * Whether a change asked of the operate mount is a retry of failed jobs: Bull Board would also
 * clean, empty, pause, promote and retry completed jobs, and none of that is on-call's to do here.
 */
async function isRetryOfFailed(queues: Queues, url: string, params: Record<string, string>): Promise<boolean> {
  const queue = DASHBOARD_QUEUES.find((name) => name === params.queueName);
  if (!queue) return false;
  if (RETRY_ALL.test(url)) return params.queueStatus === 'failed';
  if (RETRY_ONE.test(url)) return (await queues.queues[queue].getJobState(params.jobId ?? '')) === 'failed';
  return false;
}

/**
 * Bull Board's readOnlyMode and allowRetries are fixed per queue adapter, so the dashboard is
 * mounted twice: read-only for viewers (actions:read), with retries for operators
 * (actions:execute). Its routes sit behind the service's bearer authentication like every other
 * (no token: 401). The operate mount refuses every change but a retry of failed jobs.
 */
export async function queueDashboardRoutes(app: FastifyInstance, { queues }: { queues: Queues }): Promise<void> {
  const mounts: { basePath: string; permission: PermissionName; operate: boolean }[] = [
    { basePath: DASHBOARD_PATHS.view, permission: 'actions:read', operate: false },
    { basePath: DASHBOARD_PATHS.operate, permission: 'actions:execute', operate: true },
  ];
  for (const { basePath, permission, operate } of mounts) {
    const serverAdapter = new FastifyAdapter().setBasePath(basePath);
    createBullBoard({
      queues: DASHBOARD_QUEUES.map((name) => new BullMQAdapter(queues.queues[name], { readOnlyMode: !operate, allowRetries: operate })),
      serverAdapter,
      options: { uiConfig: { boardTitle: operate ? 'Stratus queues (retry)' : 'Stratus queues' } },
    });
    await app.register(async (scope) => {
      scope.scopePermission = permission;
      // The dashboard checks its own query parameters (page, status, ...); the shared rule that a
      // route refuses parameters it does not declare would refuse them all, so it declares them
      // as strings (this hook runs after the shared one).
      scope.addHook('onRoute', (route) => {
        route.schema = { ...route.schema, querystring: DASHBOARD_QUERY };
      });
      if (operate) {
        scope.addHook('onRequest', async (request) => {
          if (request.method !== 'GET' && !(await isRetryOfFailed(queues, request.routeOptions.url ?? '', request.params as Record<string, string>))) {
            throw new AppError('forbidden', 'the queue dashboard only retries failed jobs');
          }
        });
      }
      await scope.register(serverAdapter.registerPlugin(), { prefix: basePath });
    });
  }
}
