import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newestFirst } from '@stratus/db';
import { decodeCursor, pageQuery, pageSchema, toPage } from '@stratus/http';

const notificationSchema = z.object({
  id: z.uuid(),
  user_id: z.uuid().nullable().describe('the user it is for; null: the whole organisation'),
  team_id: z.uuid().nullable(),
  type: z.string().describe('budget_alert, ...'),
  title: z.string(),
  message: z.string(),
  status: z.string().describe('unread or read'),
  data: z.record(z.string(), z.unknown()).nullable().describe('what the notification is about, with the event_id it came from'),
  created_at: z.date(),
  expires_at: z.date().nullable(),
});

export const notificationsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/notifications',
    {
      config: { permission: 'notifications:read' },
      schema: {
        summary: "The organisation's notifications, newest first",
        tags: ['notifications'],
        querystring: pageQuery.extend({ type: z.string().optional(), status: z.enum(['unread', 'read']).optional() }),
        response: { 200: pageSchema(notificationSchema) },
      },
    },
    async (request) => {
      const { limit, cursor, type, status } = request.query;
      const after = decodeCursor(cursor);
      const rows = await request.withTenant((trx) =>
        trx
          .selectFrom('notifications')
          .select(['id', 'user_id', 'team_id', 'type', 'title', 'message', 'status', 'data', 'created_at', 'expires_at'])
          .$if(type !== undefined, (q) => q.where('type', '=', type!))
          .$if(status !== undefined, (q) => q.where('status', '=', status!))
          .$call(newestFirst(after, limit))
          .execute(),
      );
      return toPage(rows, limit);
    },
  );
};
