import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Queues } from '@stratus/queues';
import { requireAccountFor } from '../cloud-accounts/cloud-accounts.service.ts';
import { INACTIVE_STATUSES } from './discovery.service.ts';

export const discoveryRoutes: FastifyPluginAsyncZod<{ queues: Queues }> = async (app, { queues }) => {
  app.post(
    '/cloud-accounts/:id/sync',
    {
      config: { permission: 'resources:write' },
      schema: {
        summary: "Sync an account's inventory now",
        description:
          'Queues a discovery of the whole account. The outcome shows on the account (last_sync, last_sync_error, metadata.last_sync_stats). A sync already running for the account makes this one a no-op.',
        tags: ['discovery'],
        params: z.object({ id: z.uuid() }),
        response: { 202: z.object({ job_id: z.string(), cloud_account_id: z.uuid() }) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await request.withTenant((trx) => requireAccountFor(trx, id, 'be synced (enable it first)', INACTIVE_STATUSES));
      const job = await queues.enqueue('account.sync', {
        cloud_account_id: id,
        organization_id: request.auth.organizationId,
        trigger: 'manual',
      });
      return reply.status(202).send({ job_id: job.id!, cloud_account_id: id });
    },
  );
};
