import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newestFirst, rowSchema } from '@stratus/db';
import { decodeCursor, pageQuery, pageSchema, toPage } from '@stratus/http';

const activitySchema = rowSchema('activity_log', {
  id: z.uuid(),
  actor: z.uuid().nullable().describe('the user who acted, when a user did'),
  type: z.string().describe('link_account, operation, rule_run, recommendation, ...'),
  subject: z.string().nullable(),
  summary: z.string(),
  status: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  created_at: z.date(),
});

export const activityRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/activity',
    {
      config: { permission: 'audit_logs:read' },
      schema: {
        summary: "The organisation's activity stream, newest first",
        tags: ['activity'],
        querystring: pageQuery.extend({ type: z.string().optional() }),
        response: { 200: pageSchema(activitySchema) },
      },
    },
    async (request) => {
      const { limit, cursor, type } = request.query;
      const after = decodeCursor(cursor);
      const rows = await request.withTenant((trx) =>
        trx
          .selectFrom('activity_log')
          .selectAll()
          .$if(type !== undefined, (q) => q.where('type', '=', type!))
          .$call(newestFirst(after, limit))
          .execute(),
      );
      return toPage(rows, limit);
    },
  );
};
