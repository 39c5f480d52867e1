import { sql, type Kysely } from 'kysely';

/**
 * The event backbone's two tables (see @stratus/events): the transactional outbox that producers
 * write in the same transaction as their state change, and the processed-event ids that make
 * consumers idempotent. Both are cross-tenant infrastructure, so they have no row-level security:
 * an outbox relay publishes every tenant's events, and an event id is unique across tenants.
 * Relies on the role stratus_service from Foundation.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table event_outbox (
      seq bigint generated always as identity primary key,
      id uuid not null unique,
      producer text not null,
      topic text not null,
      key text not null,
      type text not null,
      version integer not null,
      envelope jsonb not null,
      headers jsonb,
      created_at timestamptz not null default now(),
      published_at timestamptz,
      attempts integer not null default 0,
      last_error text
    )
  `.execute(db);
  // The relay only ever reads a producer's unpublished rows in seq order; published rows (nearly
  // all of them) stay out of this index so it remains tiny however large the table grows.
  await sql`
    create index event_outbox_unpublished_idx on event_outbox (producer, seq) where published_at is null
  `.execute(db);
  // Pruning finds old published rows by time.
  await sql`
    create index event_outbox_published_at_idx on event_outbox (published_at) where published_at is not null
  `.execute(db);

  // One notification per statement (not per row), so a 1,000-row publishMany wakes relays once.
  // Notifications are delivered at commit and dropped on rollback, which is exactly when a relay
  // has something (or nothing) new to read.
  await sql`
    create function stratus_outbox_notify() returns trigger
    language plpgsql
    as $$
    begin
      perform pg_notify('stratus_outbox', '');
      return null;
    end
    $$
  `.execute(db);
  await sql`
    create trigger event_outbox_notify after insert on event_outbox
      for each statement execute function stratus_outbox_notify()
  `.execute(db);

  await sql`
    create table processed_events (
      consumer_group text not null,
      event_id uuid not null,
      processed_at timestamptz not null default now(),
      primary key (consumer_group, event_id)
    )
  `.execute(db);
  await sql`create index processed_events_processed_at_idx on processed_events (processed_at)`.execute(db);

  await sql`grant select, insert, update, delete on event_outbox to stratus_service`.execute(db);
  await sql`grant select, insert, delete on processed_events to stratus_service`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists processed_events`.execute(db);
  await sql`drop table if exists event_outbox`.execute(db);
  await sql`drop function if exists stratus_outbox_notify()`.execute(db);
}
