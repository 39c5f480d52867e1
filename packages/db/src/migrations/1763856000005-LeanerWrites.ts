import { sql, type Kysely } from 'kysely';

/**
 * Less work per written row on the two bulk paths (events through the outbox, cost lines):
 * - The outbox keeps each envelope as json, the text the producer validated, rather than jsonb: the
 *   relay only ever sends that text on, so converting every envelope to jsonb on insert (a
 *   cost.ingested batch is ~500 KB) and back to text on relay was work no reader needed. The -> and
 *   ->> operators diagnostics use work on json as well.
 * - cost_data loses its (organization_id, timestamp) index: every read of raw lines names an account
 *   (whose index leads with cloud_account_id), and organisation-wide reads are served by the rollups.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table event_outbox alter column envelope type json using envelope::json`.execute(db);
  await sql`drop index cost_data_organization_id_timestamp_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index cost_data_organization_id_timestamp_idx on cost_data (organization_id, "timestamp")`.execute(db);
  await sql`alter table event_outbox alter column envelope type jsonb using envelope::jsonb`.execute(db);
}
