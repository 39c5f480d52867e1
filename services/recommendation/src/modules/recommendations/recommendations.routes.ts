import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { newestFirst } from '@stratus/db';
import { z } from 'zod';
import { decodeCursor, pageQuery, pageSchema, toPage } from '@stratus/http';

const status = z.enum(['open', 'accepted', 'dismissed', 'applied', 'expired']);

const recommendationSchema = z.object({
  id: z.uuid(),
  cloud_account_id: z.uuid().nullable(),
  resource_id: z.uuid().nullable(),
  provider: z.enum(['AWS', 'AZURE', 'GCP']).nullable(),
  recommendation_type: z.string(),
  title: z.string().nullable(),
  reason: z.string().nullable(),
  status,
  priority: z.number().int().describe('higher is more important'),
  estimated_savings: z.string().nullable().describe('monthly, decimal'),
  currency: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  created_at: z.date(),
  updated_at: z.date(),
  expires_at: z.date().nullable(),
});

export const recommendationsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/recommendations',
    {
      config: { permission: 'recommendations:read' },
      schema: {
        summary: 'Savings recommendations, newest first',
        tags: ['recommendations'],
        querystring: pageQuery.extend({ status: status.optional(), recommendation_type: z.string().optional() }),
        response: { 200: pageSchema(recommendationSchema) },
      },
    },
    async (request) => {
      const { limit, cursor, status: wanted, recommendation_type } = request.query;
      const after = decodeCursor(cursor);
      const rows = await request.withTenant((trx) =>
        trx
          .selectFrom('recommendations')
          .selectAll()
          .$if(wanted !== undefined, (q) => q.where('status', '=', wanted!))
          .$if(recommendation_type !== undefined, (q) => q.where('recommendation_type', '=', recommendation_type!))
          .$call(newestFirst(after, limit))
          .execute(),
      );
      return toPage(rows, limit);
    },
  );
};
