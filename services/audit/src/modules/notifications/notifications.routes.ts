import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { z } from 'zod';
import { DELIVERY_STATUSES, NOTIFICATION_STATUSES, NOTIFICATION_TYPES, newestFirst, rowSchema } from '@stratus/db';
import { AppError, decodeCursor, pageQuery, pageSchema, toPage } from '@stratus/http';
import { sql } from 'kysely';

const deliverySchema = rowSchema('notification_deliveries', {
  id: z.uuid(),
  channel: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('email'), to: z.string() }),
      z.object({ type: z.literal('webhook'), url: z.string() }),
      z.object({ type: z.literal('slack'), url: z.string() }),
    ])
    .describe("the alert's channel, or a recipient's preferred one, when it was announced"),
  status: z.enum(DELIVERY_STATUSES).describe('pending: being sent or waiting to retry'),
  attempts: z.number().int(),
  last_error: z.string().nullable().describe('why the last attempt failed, e.g. "the webhook answered HTTP 400; not retried ..."'),
  delivered_at: z.string().nullable().describe('ISO 8601'),
  updated_at: z.string().describe('ISO 8601: the last attempt'),
});

const notificationSchema = rowSchema('notifications', {
  id: z.uuid(),
  user_id: z.uuid().nullable().describe('the user it is for; null: the whole organisation'),
  team_id: z.uuid().nullable(),
  type: z.string().describe(NOTIFICATION_TYPES.join(', ')),
  title: z.string(),
  message: z.string(),
  status: z.enum(NOTIFICATION_STATUSES),
  data: z.record(z.string(), z.unknown()).nullable().describe('what the notification is about, with the event_id it came from'),
  created_at: z.date(),
  expires_at: z.date().nullable(),
  deliveries: z.array(deliverySchema).describe('its email, webhook and Slack deliveries, oldest first'),
});

/** The user's own notifications, their teams', and the organisation-wide ones. */
function forUser(userId: string) {
  return sql<boolean>`(user_id = ${userId} or (user_id is null and team_id is null)
    or team_id in (select team_id from user_teams where user_id = ${userId}))`;
}

export const notificationsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/notifications',
    {
      config: { permission: 'notifications:read' },
      schema: {
        summary: "The organisation's notifications, newest first",
        description: 'Expired notifications (an approval past its deadline) are left out.',
        tags: ['notifications'],
        querystring: pageQuery.extend({
          type: z.string().optional(),
          status: z.enum(NOTIFICATION_STATUSES).optional(),
          mine: z.enum(['true', 'false']).optional().describe("true: only the caller's own, their teams' and the organisation-wide ones"),
        }),
        response: { 200: pageSchema(notificationSchema) },
      },
    },
    async (request) => {
      const { limit, cursor, type, status, mine } = request.query;
      const after = decodeCursor(cursor);
      const rows = await request.withTenant((trx) =>
        trx
          .selectFrom('notifications')
          .select(['id', 'user_id', 'team_id', 'type', 'title', 'message', 'status', 'data', 'created_at', 'expires_at'])
          .select((eb) =>
            jsonArrayFrom(
              eb
                .selectFrom('notification_deliveries as d')
                .select(['d.id', 'd.channel', 'd.status', 'd.attempts', 'd.last_error', 'd.delivered_at', 'd.updated_at'])
                .whereRef('d.notification_id', '=', 'notifications.id')
                .orderBy('d.created_at')
                .orderBy('d.channel_key'),
            ).as('deliveries'),
          )
          .$if(type !== undefined, (q) => q.where('type', '=', type!))
          .$if(status !== undefined, (q) => q.where('status', '=', status!))
          .$if(mine === 'true', (q) => q.where(forUser(request.auth.userId)))
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
          .$call(newestFirst(after, limit))
          .execute(),
      );
      return toPage(rows, limit);
    },
  );

  app.patch(
    '/notifications/:id',
    {
      config: { permission: 'notifications:write' },
      schema: {
        summary: 'Mark a notification read or unread',
        description: "Another user's own notification is not found.",
        tags: ['notifications'],
        params: z.object({ id: z.uuid() }),
        body: z.object({ status: z.enum(NOTIFICATION_STATUSES) }),
        response: { 200: rowSchema('notifications', { id: z.uuid(), status: z.enum(NOTIFICATION_STATUSES) }) },
      },
    },
    async (request) => {
      const updated = await request.withTenant((trx) =>
        trx
          .updateTable('notifications')
          .set({ status: request.body.status })
          .where('id', '=', request.params.id)
          .where(forUser(request.auth.userId))
          .returning(['id', 'status'])
          .executeTakeFirst(),
      );
      if (!updated) throw new AppError('not_found', `notification ${request.params.id} not found`);
      return updated;
    },
  );
};
