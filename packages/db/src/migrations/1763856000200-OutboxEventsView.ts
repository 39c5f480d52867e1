import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * event_outbox_events read each event's id and key by subscript (event_ids[position]), and each
 * subscript read the chunk's whole TOASTed array again: listing a chunk of n events cost n² array
 * reads. The arrays are now unnested beside the envelopes, each read once; the view's columns and
 * rows are the same (a chunk's arrays have one element per envelope, its check says so).
 */
const unnested = sql`
  select o.seq, e.position::integer as position, e.id, o.producer, o.topic, e.key, o.type, o.version, e.envelope, o.headers,
         o.created_at, o.published_at, o.attempts, o.last_error
    from event_outbox o
    cross join lateral rows from (json_array_elements(o.envelopes), unnest(o.event_ids), unnest(o.keys))
               with ordinality as e (envelope, id, key, position)
`;

const subscripted = sql`
  select o.seq, e.position::integer as position, o.event_ids[e.position] as id, o.producer, o.topic,
         o.keys[e.position] as key, o.type, o.version, e.envelope, o.headers, o.created_at, o.published_at,
         o.attempts, o.last_error
    from event_outbox o
    cross join lateral json_array_elements(o.envelopes) with ordinality as e (envelope, position)
`;

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [sql`create or replace view event_outbox_events as ${unnested}`]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [sql`create or replace view event_outbox_events as ${subscripted}`]);
}
