import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ACTION_TYPES, OPERATION_STATUSES, newestFirst, rowSchema } from '@stratus/db';
import { decodeCursor, pageQuery, pageSchema, toPage } from '@stratus/http';

const status = z.enum(OPERATION_STATUSES);

export const operationSchema = rowSchema('operations', {
  id: z.uuid(),
  resource_id: z.uuid().nullable(),
  action_id: z.uuid().nullable(),
  user_id: z.uuid().nullable(),
  operation: z.enum(ACTION_TYPES),
  params: z.record(z.string(), z.unknown()),
  status,
  attempts: z.number().int(),
  /** Before and after, how to undo it, the provider's answer; or the error. */
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
        summary: `Resource operations (${ACTION_TYPES.join(', ')}), newest first`,
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
