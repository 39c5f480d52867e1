import { sql, type Transaction } from 'kysely';
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
