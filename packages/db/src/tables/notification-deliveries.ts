import type { ColumnsOf, Generated, GeneratedTimestamp, Jsonb, JsonObject, NullableTimestamp } from './column-types.ts';
import type { EncryptedSecret } from '@stratus/vault';
import type { NotificationChannel } from './costs.ts';
import type { DeliveryStatus, NotificationType } from './enums.ts';

/** The channels delivered outside the app; in-app notifications are rows of `notifications`. */
export type DeliveryChannel = Exclude<NotificationChannel, { type: 'in_app' }>;

/** One email or webhook announcement of an event; written by the audit service. */
export interface NotificationDeliveriesTable {
  id: Generated<string>;
  organization_id: string;
  /** The in-app notification of the same event. */
  notification_id: string;
  event_id: string;
  /** Tells the event's channels apart without the address (BullMQ job ids are built from it). */
  channel_key: string;
  channel: Jsonb<DeliveryChannel>;
  /** The webhook body, as documented in the README. */
  payload: Jsonb<JsonObject>;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  /** Why the last attempt failed, without secrets. */
  last_error: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
  delivered_at: NullableTimestamp;
}

/** The key that signs an organisation's webhooks, sealed like cloud credentials; only the audit role may read it. */
export interface WebhookSigningSecretsTable {
  organization_id: string;
  secret: Jsonb<EncryptedSecret>;
  /** The key-encryption key that wrapped the data key, for rotation queries. */
  key_id: string;
  created_at: GeneratedTimestamp;
}

/**
 * Where a user wants one type of notification announced besides the app: no row means in-app only.
 * The in-app notification is always written (it is the record the deliveries hang from).
 */
export interface NotificationPreferencesTable {
  organization_id: string;
  user_id: string;
  notification_type: NotificationType;
  channels: Jsonb<DeliveryChannel[]>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface NotificationDeliveryTables {
  notification_deliveries: NotificationDeliveriesTable;
  webhook_signing_secrets: WebhookSigningSecretsTable;
  notification_preferences: NotificationPreferencesTable;
}

export const notificationDeliveryColumns: ColumnsOf<NotificationDeliveryTables> = {
  notification_deliveries: {
    id: 'not null',
    organization_id: 'not null',
    notification_id: 'not null',
    event_id: 'not null',
    channel_key: 'not null',
    channel: 'not null',
    payload: 'not null',
    status: 'not null',
    attempts: 'not null',
    last_error: 'null',
    created_at: 'not null',
    updated_at: 'not null',
    delivered_at: 'null',
  },
  webhook_signing_secrets: {
    organization_id: 'not null',
    secret: 'not null',
    key_id: 'not null',
    created_at: 'not null',
  },
  notification_preferences: {
    organization_id: 'not null',
    user_id: 'not null',
    notification_type: 'not null',
    channels: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};
