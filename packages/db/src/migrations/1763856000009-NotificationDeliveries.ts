import { sql, type Kysely } from 'kysely';
import { execute, tenantIsolation } from './foundation/ddl.ts';

/**
 * Budget alerts announced by email and webhook, besides the in-app notification. The audit service
 * reads an alert's channels from budget_alerts (every service role reads it already), so addresses
 * and URLs never travel in events; it records each delivery here and drains them from BullMQ.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    // One row per event and channel: (event_id, channel_key) is what keeps a redelivered event from
    // announcing twice, and status is checked before every send. payload is the webhook body,
    // rendered once so every attempt sends the same bytes. updated_at is set by each attempt's update.
    sql`
      create table notification_deliveries (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        notification_id uuid not null references notifications (id) on delete cascade,
        event_id uuid not null,
        channel_key text not null,
        channel jsonb not null,
        payload jsonb not null,
        status text not null default 'pending',
        attempts integer not null default 0,
        last_error text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        delivered_at timestamptz,
        unique (event_id, channel_key),
        constraint notification_deliveries_channel_type_check check (channel ->> 'type' in ('email', 'webhook')),
        constraint notification_deliveries_status_check check (status in ('pending', 'delivered', 'failed'))
      )
    `,
    sql`create index notification_deliveries_notification_id_idx on notification_deliveries (notification_id)`,
    sql`create index notification_deliveries_organization_id_idx on notification_deliveries (organization_id)`,
    ...tenantIsolation('notification_deliveries'),
    sql`grant select on notification_deliveries to stratus_service`,
    sql`grant insert, update, delete on notification_deliveries to stratus_audit`,

    // The key that signs an organisation's webhooks, readable by the audit role alone
    // (1763856000010 seals it).
    sql`
      create table webhook_signing_secrets (
        organization_id uuid primary key references organizations (id) on delete cascade,
        secret text not null,
        created_at timestamptz not null default now()
      )
    `,
    ...tenantIsolation('webhook_signing_secrets'),
    sql`grant select, insert, update, delete on webhook_signing_secrets to stratus_audit`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [sql`drop table if exists webhook_signing_secrets`, sql`drop table if exists notification_deliveries`]);
}
