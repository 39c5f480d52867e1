import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import type { TeamAccessLevel } from './tables/enums.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `fn` in a transaction scoped to one organisation: row-level security then shows and
 * accepts only that organisation's rows. The setting is transaction-local, so it can never leak
 * to the next user of a pooled connection. Inside an existing transaction, scopes that one.
 *
 * `userId` names the person the work is done for: unless they are an organisation admin, the
 * team policies then narrow it further to the cloud accounts their teams were granted. Work done
 * for nobody in particular (consumers, jobs, the CLI) leaves it out and sees the organisation.
 *
 * `byKey` is for work that finds its rows by key in tables that grow fast (see BY_KEY); it costs
 * no round trip of its own.
 */
export async function withTenant<T>(
  db: Kysely<Database>,
  organizationId: string,
  fn: (trx: Transaction<Database>) => Promise<T>,
  { userId, byKey = false }: { userId?: string; byKey?: boolean } = {},
): Promise<T> {
  if (!UUID.test(organizationId)) {
    throw new TypeError(`withTenant: organizationId must be a UUID, got ${JSON.stringify(organizationId)}`);
  }
  if (userId !== undefined && !UUID.test(userId)) {
    throw new TypeError(`withTenant: userId must be a UUID, got ${JSON.stringify(userId)}`);
  }
  const scoped = async (trx: Transaction<Database>) => {
    await sql`select set_config('stratus.organization_id', ${organizationId}, true)${byKey ? sql`, ${BY_KEY}` : sql``}`.execute(trx);
    // Only ever set, never cleared: a nested call without a user keeps the outer request's person.
    if (userId !== undefined) await sql`select set_config('stratus.user_id', ${userId}, true)`.execute(trx);
    return fn(trx);
  };
  return db.isTransaction ? scoped(db as Transaction<Database>) : db.transaction().execute(scoped);
}

/**
 * Row-level security adds organization_id = <tenant> to every probe of a tenant's table, and while
 * an organisation's rows pile up faster than autovacuum analyzes them (a first large sync, a burst
 * of actions) the statistics still say it has a handful: the planner then ANDs each key probe's
 * bitmap with the organisation's whole range of an organization_id index, and each batch reads
 * more than the last. Plain index probes are right for work that looks its rows up by key,
 * whatever the statistics say.
 */
const BY_KEY = sql`set_config('enable_bitmapscan', 'off', true)`;

/** Turns bitmap scans off for the rest of the transaction (see BY_KEY), for one already open. */
export async function lookUpByKey(trx: Transaction<Database>): Promise<void> {
  await sql`select ${BY_KEY}`.execute(trx);
}

/**
 * Whether the session's person may act at this level on the account (always, for sessions that
 * name nobody or an admin): for a change that leaves through the outbox, where no row of the
 * account changes for a team policy to refuse.
 */
export async function teamAllows(trx: Transaction<Database>, cloudAccountId: string, level: TeamAccessLevel): Promise<boolean> {
  const { rows } = await sql<{ allowed: boolean }>`select stratus_team_allows(${cloudAccountId}::uuid, ${level}) as allowed`.execute(trx);
  return rows[0]?.allowed === true;
}

/**
 * Whether the session's person is restricted to their teams' accounts (a person who is not an
 * admin; never a session that names nobody): for work that reaches every account at once, which
 * no account policy can refuse row by row.
 */
export async function teamRestricted(trx: Transaction<Database>): Promise<boolean> {
  const { rows } = await sql<{ restricted: boolean }>`select stratus_team_accounts('read') is not null as restricted`.execute(trx);
  return rows[0]?.restricted === true;
}
