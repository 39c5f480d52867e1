import { sql, type Kysely, type RawBuilder } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * A SECURITY DEFINER function listing, for `role` alone, one keyset page (after the given id) of the
 * rows of `table` that `unfinished` selects, with the columns a job is made of; and a partial index
 * on those rows, which are few beside the finished ones.
 */
function unfinishedList(list: {
  fn: string;
  table: string;
  returns: RawBuilder<unknown>;
  columns: string[];
  unfinished: RawBuilder<unknown>;
  role: string;
}): RawBuilder<unknown>[] {
  const signature = sql`${sql.id(list.fn)}(uuid, integer)`;
  return [
    sql`
      create function ${sql.id(list.fn)}(after_id uuid, max_rows integer)
      returns table (${list.returns})
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select ${sql.join(list.columns.map((column) => sql.ref(`t.${column}`)))}
          from ${sql.table(`public.${list.table}`)} t
         where ${list.unfinished} and (after_id is null or t.id > after_id)
         order by t.id
         limit max_rows
      $$
    `,
    sql`revoke all on function ${signature} from public`,
    sql`grant execute on function ${signature} to ${sql.id(list.role)}`,
    sql`create index ${sql.id(`${list.table}_unfinished_idx`)} on ${sql.table(list.table)} (id) where ${list.unfinished}`,
  ];
}

const LISTS = [
  {
    fn: 'stratus_unfinished_notification_deliveries',
    table: 'notification_deliveries',
    returns: sql`id uuid, organization_id uuid, event_id uuid, channel_key text`,
    columns: ['id', 'organization_id', 'event_id', 'channel_key'],
    unfinished: sql`status = 'pending'`,
    role: 'stratus_audit',
  },
  {
    fn: 'stratus_unfinished_operations',
    table: 'operations',
    returns: sql`id uuid, organization_id uuid`,
    columns: ['id', 'organization_id'],
    unfinished: sql`status in ('queued', 'running')`,
    role: 'stratus_action_executor',
  },
];

/**
 * What the reconciler of durable work (@stratus/queues `reconcile`) reads: the rows whose BullMQ job
 * may have been lost, across every organisation. A service role sees one organisation at a time, so
 * each list is a function granted to the role that owns the work, returning only the ids a job is
 * made of: pending notification deliveries (audit), queued and running operations (action executor).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, LISTS.flatMap(unfinishedList));
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(
    db,
    LISTS.flatMap((list) => [
      sql`drop index if exists ${sql.id(`${list.table}_unfinished_idx`)}`,
      sql`drop function if exists ${sql.id(list.fn)}(uuid, integer)`,
    ]),
  );
}
