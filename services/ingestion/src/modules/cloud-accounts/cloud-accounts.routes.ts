import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '@stratus/http';

/** What the API shows of a linked account. Credentials live in their own table and never appear here. */
export const cloudAccountSchema = z.object({
  id: z.uuid(),
  provider: z.enum(['AWS', 'AZURE', 'GCP']),
  name: z.string(),
  account_id: z.string(),
  status: z.string(),
  last_sync: z.date().nullable(),
  last_sync_error: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.date(),
  updated_at: z.date(),
});

const columns = [
  'id',
  'provider',
  'name',
  'account_id',
  'status',
  'last_sync',
  'last_sync_error',
  'metadata',
  'created_at',
  'updated_at',
] as const;

export const cloudAccountsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/cloud-accounts',
    {
      config: { permission: 'cloud_accounts:read' },
      schema: {
        summary: "List the organisation's linked cloud accounts",
        tags: ['cloud-accounts'],
        response: { 200: z.object({ items: z.array(cloudAccountSchema) }) },
      },
    },
    async (request) => {
      const items = await request.withTenant((trx) =>
        trx.selectFrom('cloud_accounts').select(columns).orderBy('provider').orderBy('name').execute(),
      );
      return { items };
    },
  );

  app.get(
    '/cloud-accounts/:id',
    {
      config: { permission: 'cloud_accounts:read' },
      schema: {
        summary: 'One linked cloud account',
        tags: ['cloud-accounts'],
        params: z.object({ id: z.uuid() }),
        response: { 200: cloudAccountSchema },
      },
    },
    async (request) => {
      const account = await request.withTenant((trx) =>
        trx.selectFrom('cloud_accounts').select(columns).where('id', '=', request.params.id).executeTakeFirst(),
      );
      if (!account) throw new AppError('not_found', `cloud account ${request.params.id} not found`);
      return account;
    },
  );
};
