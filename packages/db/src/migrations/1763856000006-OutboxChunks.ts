import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * An outbox row holds a chunk of events (up to a thousand, of one type and trace context) instead
 * of one: a sync that discovers 100k resources wrote and then updated 100k rows, with their index
 * entries, which cost more than the resources themselves. Now it writes about a hundred, and the
 * relay marks a hundred. The envelopes stay the exact JSON text each producer validated, as one
 * json array; the relay expands it in PostgreSQL (json_array_elements hands back each element's
 * own text) and sends every event as its own Kafka message, as before. event_outbox_events shows
 * one row per event, for diagnostics.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`alter table event_outbox add column event_ids uuid[], add column keys text[], add column envelopes json`,
    // Rows still waiting when this runs become chunks of one, and keep their place in seq order.
    sql`update event_outbox set event_ids = array[id], keys = array[key], envelopes = json_build_array(envelope)`,
    sql`
      alter table event_outbox
        alter column event_ids set not null,
        alter column keys set not null,
        alter column envelopes set not null,
        drop column id,
        drop column key,
        drop column envelope,
        add constraint event_outbox_chunk_check
          check (cardinality(event_ids) >= 1 and cardinality(keys) = cardinality(event_ids)
                 and json_typeof(envelopes) = 'array')
    `,
    // A chunk is a MiB of JSON (a cost.ingested event half of one), written once and read once:
    // lz4 compresses it at about twice pglz's speed, to nearly the same size (80 MB of envelopes
    // inserted in 0.76 s instead of 1.39 s). A server built without lz4 keeps its default.
    sql`
      do $$
      begin
        alter table event_outbox alter column envelopes set compression lz4;
      exception when feature_not_supported then
        raise notice 'lz4 is not available: event_outbox.envelopes keeps the default compression';
      end
      $$
    `,
    sql`
      create view event_outbox_events as
      select o.seq, e.position::integer as position, o.event_ids[e.position] as id, o.producer, o.topic,
             o.keys[e.position] as key, o.type, o.version, e.envelope, o.headers, o.created_at, o.published_at,
             o.attempts, o.last_error
        from event_outbox o
        cross join lateral json_array_elements(o.envelopes) with ordinality as e (envelope, position)
    `,
    sql`grant select on event_outbox_events to stratus_service`,
  ]);
}

/** Back to a row per event: each chunk's events take new seqs, in the chunks' order. */
export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop view event_outbox_events`,
    sql`alter table event_outbox drop constraint event_outbox_chunk_check`,
    sql`alter table event_outbox add column id uuid, add column key text, add column envelope json`,
    sql`
      insert into event_outbox (producer, topic, type, version, headers, created_at, published_at, attempts, last_error,
                                event_ids, keys, envelopes, id, key, envelope)
      select o.producer, o.topic, o.type, o.version, o.headers, o.created_at, o.published_at, o.attempts, o.last_error,
             array[o.event_ids[e.position]], array[o.keys[e.position]], json_build_array(e.envelope),
             o.event_ids[e.position], o.keys[e.position], e.envelope
        from event_outbox o
        cross join lateral json_array_elements(o.envelopes) with ordinality as e (envelope, position)
       where cardinality(o.event_ids) > 1
       order by o.seq, e.position
    `,
    sql`delete from event_outbox where id is null and cardinality(event_ids) > 1`,
    sql`update event_outbox set id = event_ids[1], key = keys[1], envelope = envelopes -> 0 where id is null`,
    sql`
      alter table event_outbox
        alter column id set not null,
        alter column key set not null,
        alter column envelope set not null,
        add constraint event_outbox_id_key unique (id),
        drop column event_ids,
        drop column keys,
        drop column envelopes
    `,
  ]);
}
