import { sql, type Kysely } from 'kysely';
import type { Database } from '@stratus/db';

/**
 * Makes sure cost_data has the monthly partition of every month lines arrive for, before they are
 * written (a line of a month without one would land in the default partition). Partitions are
 * created on the pool, outside the consumer's transaction, so the creation commits at once and its
 * lock is not held for the batch. Months known to exist (or being created) are remembered for the process' life.
 */
export class CostDataPartitions {
  readonly #db: Kysely<Database>;
  /** Settled or in flight: batches applied at once that need the same new month wait for one creation. */
  readonly #months = new Map<string, Promise<void>>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** months: first days of months, 'YYYY-MM-01'. */
  async ensure(months: Iterable<string>): Promise<void> {
    for (const month of months) {
      let created = this.#months.get(month);
      if (!created) {
        created = sql`select ensure_cost_data_partitions(${month}::date, 1)`.execute(this.#db).then(() => undefined);
        this.#months.set(month, created);
        // A failed creation is tried again by the next batch that needs the month.
        created.catch(() => this.#months.delete(month));
      }
      await created;
    }
  }

  /** Creates this month's partition and the next `ahead` months' (run by the maintenance job). */
  async ensureAhead(now: Date, ahead: number): Promise<number> {
    const month = `${now.toISOString().slice(0, 7)}-01`;
    const { rows } = await sql<{ created: number }>`select ensure_cost_data_partitions(${month}::date, ${ahead + 1}) as created`.execute(this.#db);
    return rows[0]!.created;
  }
}
