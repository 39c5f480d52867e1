import { createHash } from 'node:crypto';
import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type pg from 'pg';

/** SQL text -> the name each connection prepares it under. */
const names = new Map<string, string>();

/** A query builder or a raw `sql` statement (which compiles with the executor it is given). */
type Compilable<R> = { compile(db: Kysely<any>): CompiledQuery<R> };

/**
 * Runs a statement on `db` (a transaction or a pool) as a named prepared statement of the
 * connections of createDb, compiled once for both its name and its run: each
 * connection parses, rewrites and plans it once, where an unnamed statement is planned at every
 * call. Row-level security makes that work large (every table reference brings its policies):
 * for the executor's claim and end, planning took as long as a third of executing a batch.
 * PostgreSQL keeps a custom plan for the first five calls, then the generic plan if it costs no
 * more (plan_cache_mode auto).
 *
 * Only for statements a hot path runs many times a second with the same text: a fixed shape
 * (`= any($1::uuid[])` or a JSON parameter, never an `in` list of one parameter per value), and
 * named result columns: after a migration adds a column, a prepared `select *` fails with
 * "cached plan must not change result type".
 * A pooler in transaction mode must keep them (PgBouncer 1.21 or later, max_prepared_statements),
 * or the services run with DATABASE_PREPARED_STATEMENTS=false (createDb's preparedStatements).
 */
export function prepared<R>(db: Kysely<any>, query: Compilable<R>): Promise<QueryResult<R>> {
  const compiled = query.compile(db);
  if (!names.has(compiled.sql)) names.set(compiled.sql, `stratus_${createHash('sha256').update(compiled.sql).digest('hex').slice(0, 24)}`);
  return db.executeQuery(compiled);
}

/** Sends the statements marked by `prepared` under their names; every other one as before. */
export function preparingStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (config: unknown, values?: unknown, callback?: unknown) => unknown;
  client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof text === 'string' && Array.isArray(values) ? names.get(text) : undefined;
    return name === undefined ? query(text, values, callback) : query({ name, text, values }, callback);
  }) as typeof client.query;
}
