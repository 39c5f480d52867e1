import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';
import { preparingStatements } from './prepared.ts';
import { DATABASE_ROLES, type DatabaseRole } from './roles.ts';

export interface CreateDbOptions {
  url: string;
  /** Run every pooled connection as this role (row-level security and grants then apply). */
  role?: DatabaseRole;
  /** Pool size; 10 by default. */
  max?: number;
  /** Whether statements marked `prepared` run as named prepared statements (true by default). */
  preparedStatements?: boolean;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Called when an idle pooled connection dies (a PostgreSQL restart, a failover, an administrator
   * terminating it). pg drops that connection and the next query opens a new one; without a
   * listener the pool's 'error' event would crash the process instead. A process warning by default.
   */
  onIdleError?: (error: Error) => void;
}

const DATE_OID = 1082;

/**
 * pg's defaults are kept (numeric and bigint arrive as strings, so money never loses precision;
 * timestamptz as Date) except for `date`, which pg would turn into a Date at local midnight, a
 * day off in half the world's time zones: it arrives as its 'YYYY-MM-DD' text instead.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === DATE_OID && format !== 'binary'
      ? (value: string) => value
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * A Kysely client over a pg pool. The role and TimeZone=UTC are startup parameters of every
 * connection, so there is no window in which a fresh connection runs with the login user's
 * rights, and month boundaries (costs_breakdown.month, v_costs_aggregates) are UTC months.
 */
export function createDb({ url, role, max = 10, applicationName, onIdleError, preparedStatements = true }: CreateDbOptions): Kysely<Database> {
  if (role !== undefined && !DATABASE_ROLES.includes(role)) {
    throw new TypeError(`createDb: unknown role ${JSON.stringify(role)}; expected one of ${DATABASE_ROLES.join(', ')}`);
  }
  const options = ['-c TimeZone=UTC', ...(role ? [`-c role=${role}`] : [])].join(' ');
  const pool = new pg.Pool({ connectionString: url, max, application_name: applicationName, options, types });
  if (preparedStatements) pool.on('connect', (client) => preparingStatements(client));
  pool.on('error', onIdleError ?? ((error) => process.emitWarning(`idle PostgreSQL connection lost: ${error.message}`)));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
