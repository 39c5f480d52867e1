import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NOTIFICATION_TYPES, rowSchema } from '@stratus/db';
import { deliveryChannel } from '@stratus/http';

const preferenceSchema = rowSchema('notification_preferences', {
  notification_type: z.enum(NOTIFICATION_TYPES),
  channels: z.array(deliveryChannel).describe('where it is delivered besides the app; [] (the default): in the app only'),
});

const typeParams = z.object({ notification_type: z.enum(NOTIFICATION_TYPES) });

/**
 * The caller's own notification preferences: for each type of notification, the email, webhook and
 * Slack channels it is delivered on besides the app. The in-app notification is always written.
 */
export const notificationPreferencesRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/notification-preferences',
    {
      config: { permission: 'notifications:read' },
      schema: {
        summary: "The caller's notification preferences, one per type of notification",
        tags: ['notifications'],
        response: { 200: z.object({ data: z.array(preferenceSchema) }) },
      },
    },
    async (request) => {
      const rows = await request.withTenant((trx) =>
        trx
          .selectFrom('notification_preferences')
          .select(['notification_type', 'channels'])
          .where('user_id', '=', request.auth.userId)
          .execute(),
      );
      const byType = new Map(rows.map((row) => [row.notification_type, row]));
      return { data: NOTIFICATION_TYPES.map((type) => byType.get(type) ?? { notification_type: type, channels: [] }) };
    },
  );

  app.put(
    '/notification-preferences/:notification_type',
    {
      config: { permission: 'notifications:write' },
      schema: {
        summary: 'Set where one type of notification reaches the caller',
        description: 'Replaces the channels of this type; Slack and webhook URLs must be https. Deliveries follow from the next notification on.',
        tags: ['notifications'],
        params: typeParams,
        body: z.object({ channels: z.array(deliveryChannel).max(10) }),
        response: { 200: preferenceSchema },
      },
    },
    async (request) => {
      const { notification_type } = request.params;
      const channels = JSON.stringify(request.body.channels);
      return request.withTenant((trx) =>
        trx
          .insertInto('notification_preferences')
          .values({ organization_id: request.auth.organizationId, user_id: request.auth.userId, notification_type, channels })
          .onConflict((conflict) => conflict.columns(['user_id', 'notification_type']).doUpdateSet({ channels }))
          .returning(['notification_type', 'channels'])
          .executeTakeFirstOrThrow(),
      );
    },
  );

  app.delete(
    '/notification-preferences/:notification_type',
    {
      config: { permission: 'notifications:write' },
      schema: {
        summary: 'Back to the default for one type of notification: in the app only',
        tags: ['notifications'],
        params: typeParams,
        response: { 204: z.null().describe('back to in-app only') },
      },
    },
    async (request, reply) => {
      await request.withTenant((trx) =>
        trx
          .deleteFrom('notification_preferences')
          .where('user_id', '=', request.auth.userId)
          .where('notification_type', '=', request.params.notification_type)
          .execute(),
      );
      return reply.status(204).send(null);
    },
  );
};
