import { sql, type Kysely } from 'kysely';

/**
 * One word for each thing done to a resource (ACTION_TYPES of @stratus/db): seed 000 says `scale`
 * where the adapters said `resize`, so rows written with the old word are renamed, and the columns
 * holding an action type (and notifications.status) only take the listed values from now on. The
 * values are written out here, as a migration never changes once run; a test compares each check
 * constraint with its list in CHECKED_VALUES.
 */
const ACTION_COLUMNS = [
  ['operations', 'operation'],
  ['actions', 'action_type'],
  ['automation_rules', 'action'],
] as const;

const ACTION_TYPES = sql.join(['start', 'stop', 'scale', 'snapshot', 'delete', 'tag'].map((value) => sql.lit(value)));

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, column] of ACTION_COLUMNS) {
    await sql`update ${sql.table(table)} set ${sql.ref(column)} = 'scale' where ${sql.ref(column)} = 'resize'`.execute(db);
    await sql`
      alter table ${sql.table(table)} add constraint ${sql.id(`${table}_${column}_check`)} check (${sql.ref(column)} in (${ACTION_TYPES}))
    `.execute(db);
  }
  await sql`alter table notifications add constraint notifications_status_check check (status in ('unread', 'read'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table notifications drop constraint notifications_status_check`.execute(db);
  for (const [table, column] of ACTION_COLUMNS) {
    await sql`alter table ${sql.table(table)} drop constraint ${sql.id(`${table}_${column}_check`)}`.execute(db);
  }
}
