import { sql, type Transaction } from 'kysely';
import type { Database, DeliveryChannel, JsonObject, NotificationType } from '@stratus/db';
import type { EventEnvelope } from '@stratus/events';
import type { Queues } from '@stratus/queues';
import { channelsByPreference, deliveryJobId, recordDeliveries } from '../modules/deliveries/deliveries.repository.ts';

export interface Notification {
  type: NotificationType;
  title: string;
  message: string;
  data: JsonObject;
  /** For one user, or one team; neither: for the whole organisation. */
  user_id?: string;
  team_id?: string;
  /** When it no longer calls for anything (an approval's deadline). */
  expires_at?: string;
}

/**
 * Adds the notification an event calls for, once per event and recipient, and returns its id:
 * the row keeps the event id in data.event_id and is not written when a notification of that event
 * exists. The shared consumer already skips redelivered events; this also covers the event applied
 * through another path (a replayed dead letter under a new consumer group, a handler run by hand).
 */
export async function notifyOnce(trx: Transaction<Database>, event: EventEnvelope, notification: Notification): Promise<string> {
  // Serialises two deliveries of one event, so the check below cannot race with the insert.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`notification:${event.id}:${notification.user_id ?? notification.team_id ?? ''}`}, 0))`.execute(trx);
  // Written after the event happened: looking back from the event time (a day of margin for clock
  // skew) keeps the lookup on the (organization_id, created_at) index.
  const { rows: existing } = await sql<{ id: string }>`
    select id
      from notifications
     where organization_id = ${event.tenant}::uuid
       and created_at >= ${event.time}::timestamptz - interval '1 day'
       and type = ${notification.type}
       and data ->> 'event_id' = ${event.id}
       and user_id is not distinct from ${notification.user_id ?? null}::uuid
       and team_id is not distinct from ${notification.team_id ?? null}::uuid
     limit 1
  `.execute(trx);
  if (existing[0]) return existing[0].id;
  const { id } = await trx
    .insertInto('notifications')
    .values({
      organization_id: event.tenant,
      title: notification.title,
      message: notification.message,
      type: notification.type,
      user_id: notification.user_id ?? null,
      team_id: notification.team_id ?? null,
      expires_at: notification.expires_at ? new Date(notification.expires_at) : null,
      data: JSON.stringify({ ...notification.data, event_id: event.id }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** The body POSTed to webhook channels for a notification that has no payload of its own (documented in the README). */
export function notificationPayload(event: EventEnvelope, notification: Notification): JsonObject {
  return {
    id: event.id,
    type: event.type,
    occurred_at: event.time,
    notification: { type: notification.type, title: notification.title, message: notification.message, data: notification.data },
  };
}

/**
 * Notifies once (notifyOnce), then records and enqueues one delivery per channel: those its
 * recipients chose for this type of notification (notification_preferences) and `channels` (a budget
 * alert's own). Each job has an id of the event and channel, so the event applied again enqueues
 * nothing new, and the job sends nothing for a delivery already made.
 */
export async function announce(
  trx: Transaction<Database>,
  queues: Pick<Queues, 'enqueue'>,
  event: EventEnvelope,
  notification: Notification,
  options: { channels?: readonly DeliveryChannel[]; payload?: JsonObject } = {},
): Promise<string> {
  const notificationId = await notifyOnce(trx, event, notification);
  const channels = [...(options.channels ?? []), ...(await channelsByPreference(trx, notification))];
  const keys = await recordDeliveries(trx, {
    organizationId: event.tenant,
    notificationId,
    eventId: event.id,
    channels,
    payload: options.payload ?? notificationPayload(event, notification),
  });
  for (const key of keys) {
    await queues.enqueue(
      'notification.deliver',
      { organization_id: event.tenant, event_id: event.id, channel_key: key },
      { jobId: deliveryJobId(event.id, key) },
    );
  }
  return notificationId;
}
