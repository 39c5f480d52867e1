import { sql, type Compilable, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './database.ts';

/** Plan methods a statement may be run without (PostgreSQL's enable_* settings). */
export type PlanMethod = 'enable_sort' | 'enable_nestloop';

/**
 * Runs `fn` with plan methods turned off, then puts them back as they were, for the rest of the
 * transaction. For a statement over rows that arrived faster than autovacuum analyzes them (a
 * large import), where the statistics' guess leads the planner to a plan that is ruinous at the
 * real size, and where the other plan is right at any size. If `fn` throws, the transaction or
 * its savepoint is rolled back, and the settings with it.
 */
export async function withoutPlanMethods<T>(trx: Transaction<Database>, methods: readonly PlanMethod[], fn: () => Promise<T>): Promise<T> {
  const { rows } = await sql<Record<PlanMethod, string>>`
    select ${sql.join(methods.map((method) => sql`current_setting(${method}) as ${sql.ref(method)}, set_config(${method}, 'off', true)`))}
  `.execute(trx);
  const result = await fn();
  await sql`select ${sql.join(methods.map((method) => sql`set_config(${method}, ${rows[0]![method]}, true)`))}`.execute(trx);
  return result;
}

/**
 * The rows `query` finds for each key, each key its own index probe whatever the statistics say.
 * `query` names the key `key.id`. Rows that arrive faster than autovacuum analyzes them (a sync,
 * a burst of events) leave the planner thinking an organisation has a handful: it answered an IN
 * list of 500 keys by reading the organisation's whole range, in a row-level-security index or a
 * bitmap ANDed with it, for every batch. A LATERAL subquery per key is planned as the probe it is;
 * its OFFSET 0 keeps the planner from flattening it back into that join.
 */
export async function probeEach<R>(trx: Transaction<Database>, keys: readonly string[], query: (key: RawBuilder<string>) => Compilable<R> | RawBuilder<R>): Promise<R[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<R>`
    select found.* from unnest(${keys}::uuid[]) as key (id)
     cross join lateral (select * from (${query(sql<string>`key.id`)}) as probe offset 0) as found
  `.execute(trx);
  return rows;
}
