import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, DeliveryChannel, JsonObject, NotificationChannel, NotificationType } from '@stratus/db';
import { openSecret, sealSecret, VaultError, type Keyring } from '@stratus/vault';

/** Every function runs in the caller's tenant transaction: row-level security scopes it to one organisation. */
type Trx = Transaction<Database>;

/**
 * `email-<digest>`, `webhook-<digest>` or `slack-<digest>` of the address: the same channel always gets the same key,
 * and the key (part of BullMQ job ids, visible in Redis) does not reveal the address.
 */
export function channelKey(channel: DeliveryChannel): string {
  const address = channel.type === 'email' ? channel.to : channel.url;
  return `${channel.type}-${createHash('sha256').update(address).digest('hex').slice(0, 16)}`;
}

/** The BullMQ job id of a delivery: the consumer enqueues under it and the reconciler re-enqueues under it. */
export function deliveryJobId(eventId: string, key: string): string {
  return `${eventId}-${key}`;
}

export function isDeliveryChannel(channel: NotificationChannel): channel is DeliveryChannel {
  return channel.type !== 'in_app';
}

/**
 * The channels the users a notification is for asked for this type of notification on: the user's
 * own, each member's of the team, or, organisation-wide, every user's who asked. Disabled users get
 * nothing.
 */
export async function channelsByPreference(
  trx: Trx,
  notification: { type: NotificationType; user_id?: string; team_id?: string },
): Promise<DeliveryChannel[]> {
  let recipients = trx
    .selectFrom('notification_preferences as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select('p.channels')
    .where('p.notification_type', '=', notification.type)
    .where('u.status', '=', 'active');
  if (notification.user_id !== undefined) recipients = recipients.where('p.user_id', '=', notification.user_id);
  else if (notification.team_id !== undefined) {
    const teamId = notification.team_id;
    recipients = recipients.where('p.user_id', 'in', (members) => members.selectFrom('user_teams').select('user_id').where('team_id', '=', teamId));
  }
  const rows = await recipients.execute();
  return rows.flatMap((row) => row.channels);
}

/** The alert's channels as they are now; none when the alert was deleted since it fired. */
export async function channelsOfAlert(trx: Trx, budgetAlertId: string): Promise<NotificationChannel[]> {
  const alert = await trx.selectFrom('budget_alerts').select('notification_channels').where('id', '=', budgetAlertId).executeTakeFirst();
  return alert?.notification_channels ?? [];
}

/**
 * Records one pending delivery per channel of the event, keeping those already recorded (the event
 * applied again), and returns every channel's key.
 */
export async function recordDeliveries(
  trx: Trx,
  delivery: { organizationId: string; notificationId: string; eventId: string; channels: readonly DeliveryChannel[]; payload: JsonObject },
): Promise<string[]> {
  const rows = delivery.channels.map((channel) => ({
    organization_id: delivery.organizationId,
    notification_id: delivery.notificationId,
    event_id: delivery.eventId,
    channel_key: channelKey(channel),
    channel: JSON.stringify(channel),
    payload: JSON.stringify(delivery.payload),
  }));
  if (rows.length === 0) return [];
  // Two recipients asking for the same address get one delivery.
  const unique = [...new Map(rows.map((row) => [row.channel_key, row])).values()];
  await trx
    .insertInto('notification_deliveries')
    .values(unique)
    .onConflict((conflict) => conflict.columns(['event_id', 'channel_key']).doNothing())
    .execute();
  return unique.map((row) => row.channel_key);
}

/** A delivery with what its email says (the in-app notification's title and message). */
export function findDelivery(trx: Trx, eventId: string, key: string) {
  return trx
    .selectFrom('notification_deliveries as d')
    .innerJoin('notifications as n', 'n.id', 'd.notification_id')
    .select(['d.id', 'd.channel', 'd.payload', 'd.status', 'd.attempts', 'n.title', 'n.message'])
    .where('d.event_id', '=', eventId)
    .where('d.channel_key', '=', key)
    .executeTakeFirst();
}

export async function markDelivered(trx: Trx, id: string, attempts: number): Promise<void> {
  await trx
    .updateTable('notification_deliveries')
    .set({ status: 'delivered', attempts, last_error: null, delivered_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** Records a failed attempt; `final`: no attempt follows, and the delivery is failed. */
export async function markAttemptFailed(trx: Trx, id: string, failure: { attempts: number; error: string; final: boolean }): Promise<void> {
  await trx
    .updateTable('notification_deliveries')
    .set({
      attempts: failure.attempts,
      last_error: failure.error,
      ...(failure.final ? { status: 'failed' as const } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

/**
 * One page of the pending deliveries of every organisation, in id order after `after`: the
 * reconciler's list (a SECURITY DEFINER function; the audit role sees one organisation at a time).
 */
export async function unfinishedDeliveries(db: Kysely<Database>, page: { after: string | undefined; limit: number }) {
  const { rows } = await sql<{ id: string; organization_id: string; event_id: string; channel_key: string }>`
    select id, organization_id, event_id, channel_key from stratus_unfinished_notification_deliveries(${page.after ?? null}::uuid, ${page.limit})
  `.execute(db);
  return rows;
}

/** Sealed for its organisation: a row copied onto another organisation does not open. */
function signingSecretContext(organizationId: string) {
  return { table: 'webhook_signing_secrets', ids: [organizationId] };
}

/** The organisation's signing secret, decrypted to sign with; undefined when it has none. */
export async function findSigningSecret(trx: Trx, keyring: Keyring, organizationId: string): Promise<string | undefined> {
  const row = await trx.selectFrom('webhook_signing_secrets').select('secret').where('organization_id', '=', organizationId).executeTakeFirst();
  if (!row) return undefined;
  const secret = openSecret(keyring, row.secret, signingSecretContext(organizationId));
  if (typeof secret !== 'string') throw new VaultError(`the signing secret of organisation ${organizationId} is not a string`);
  return secret;
}

/** Replaces the organisation's signing secret, sealed under the active key: webhooks sent from now on are signed with it. */
export async function saveSigningSecret(trx: Trx, keyring: Keyring, organizationId: string, secret: string) {
  const sealed = sealSecret(keyring, secret, signingSecretContext(organizationId));
  return trx
    .insertInto('webhook_signing_secrets')
    .values({ organization_id: organizationId, secret: JSON.stringify(sealed), key_id: sealed.kid })
    .onConflict((conflict) =>
      conflict.column('organization_id').doUpdateSet((eb) => ({
        secret: eb.ref('excluded.secret'),
        key_id: eb.ref('excluded.key_id'),
        created_at: sql`now()`,
      })),
    )
    .returning('created_at')
    .executeTakeFirstOrThrow();
}
