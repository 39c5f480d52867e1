import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newestFirst } from '@stratus/db';
import { decodeCursor, pageQuery, pageSchema, toPage } from '@stratus/http';

const status = z.enum(['queued', 'running', 'success', 'error', 'cancelled']);

const operationSchema = z.object({
  id: z.uuid(),
  resource_id: z.uuid().nullable(),
  action_id: z.uuid().nullable(),
  user_id: z.uuid().nullable(),
  operation: z.string(),
  params: z.record(z.string(), z.unknown()),
  status,
  attempts: z.number().int(),
  result: z.unknown().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});

export const operationsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/operations',
    {
      config: { permission: 'actions:read' },
      schema: {
        summary: 'Resource operations (start, stop, resize, snapshot, delete, tag), newest first',
        tags: ['operations'],
        querystring: pageQuery.extend({ status: status.optional(), resource_id: z.uuid().optional() }),
        response: { 200: pageSchema(operationSchema) },
      },
    },
    async (request) => {
      const { limit, cursor, status: wanted, resource_id } = request.query;
      const after = decodeCursor(cursor);
      const rows = await request.withTenant((trx) =>
        trx
          .selectFrom('operations')
          .selectAll()
          .$if(wanted !== undefined, (q) => q.where('status', '=', wanted!))
          .$if(resource_id !== undefined, (q) => q.where('resource_id', '=', resource_id!))
          .$call(newestFirst(after, limit))
          .execute(),
      );
      return toPage(rows, limit);
    },
  );
};
