import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * An action writes its row three times, its operation's three times and four history rows, and
 * neither update can be heap-only (status is indexed, and must be: the reconciler and the failed
 * list find rows by it), so every update writes an entry into every index of its table. Indexes
 * nothing needs cost each of those writes (about 75 WAL records per action before, 60 after;
 * `scripts/bench.sh actions` prints them):
 * - operations (status): the reconciler reads the unfinished rows through the partial
 *   operations_unfinished_idx, and every other read is an organisation's or an action's.
 * - user_id of operations, recommendation_id and idempotency_key of actions are null on most
 *   rows (the system's requests, actions not from a recommendation): partial indexes still serve
 *   ON DELETE SET NULL and every lookup by value, whose condition implies the value is not null.
 * - action_history's organisation: its rows are only read by action, and the history goes with
 *   its action (on delete cascade), which goes with its organisation; the reference and its index
 *   were a check and an entry for each of the four rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop index operations_status_idx, operations_user_id_idx, actions_recommendation_id_idx`,
    sql`create index operations_user_id_idx on operations (user_id) where user_id is not null`,
    sql`create index actions_recommendation_id_idx on actions (recommendation_id) where recommendation_id is not null`,
    sql`alter table actions drop constraint actions_idempotency_key_key`,
    sql`create unique index actions_idempotency_key_key on actions (idempotency_key) where idempotency_key is not null`,
    sql`alter table action_history drop constraint action_history_organization_id_fkey`,
    sql`drop index action_history_organization_id_idx`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`create index action_history_organization_id_idx on action_history (organization_id)`,
    sql`alter table action_history add constraint action_history_organization_id_fkey foreign key (organization_id) references organizations (id) on delete cascade`,
    sql`drop index actions_idempotency_key_key`,
    sql`alter table actions add constraint actions_idempotency_key_key unique (idempotency_key)`,
    sql`drop index operations_user_id_idx, actions_recommendation_id_idx`,
    sql`create index operations_user_id_idx on operations (user_id)`,
    sql`create index actions_recommendation_id_idx on actions (recommendation_id)`,
    sql`create index operations_status_idx on operations (status)`,
  ]);
}
