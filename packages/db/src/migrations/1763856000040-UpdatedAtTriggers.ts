import { sql, type Kysely } from 'kysely';

/**
 * updated_at means the row's last change on every table that has it: the two tables created after
 * Foundation with the column (cost_import_progress, notification_deliveries) set it only where their
 * writers remembered to. The table registry's guard test holds every table with updated_at to
 * the set_updated_at trigger.
 */
const TABLES = ['cost_import_progress', 'notification_deliveries'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await sql`
      create trigger ${sql.id(`${table}_set_updated_at`)} before update on ${sql.table(table)}
        for each row execute function set_updated_at()
    `.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) await sql`drop trigger ${sql.id(`${table}_set_updated_at`)} on ${sql.table(table)}`.execute(db);
}
