import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `fn` in a transaction scoped to one organisation: row-level security then shows and
 * accepts only that organisation's rows. The setting is transaction-local, so it can never leak
 * to the next user of a pooled connection. Inside an existing transaction, scopes that one.
 */
export async function withTenant<T>(
  db: Kysely<Database>,
  organizationId: string,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (!UUID.test(organizationId)) {
    throw new TypeError(`withTenant: organizationId must be a UUID, got ${JSON.stringify(organizationId)}`);
  }
  const scoped = async (trx: Transaction<Database>) => {
    await sql`select set_config('stratus.organization_id', ${organizationId}, true)`.execute(trx);
    return fn(trx);
  };
  return db.isTransaction ? scoped(db as Transaction<Database>) : db.transaction().execute(scoped);
}
