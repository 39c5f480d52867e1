import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';

/**
 * Where the previous page ended. `at` is created_at as PostgreSQL prints it, microseconds
 * included: a JS Date keeps only milliseconds, and a cursor rounded to them would skip the rows
 * created later within the same millisecond.
 */
export interface KeysetCursor {
  at: string;
  id: string;
}

/** What a keyset page is ordered by: an expression of the row, the type its cursor text is read as, a direction. */
export interface KeysetOrder {
  /** Never null (coalesce nullable columns): a row comparison with a null skips rows. */
  key: RawBuilder<unknown>;
  type: 'text' | 'numeric' | 'timestamptz';
  direction: 'asc' | 'desc';
}

/**
 * Keyset pagination in any order, ties broken by id: one row more than the page is read, so the
 * caller knows whether a next page exists, and each row carries `keyset_at` (its key as text) for
 * the next cursor. Stable under concurrent inserts, unlike OFFSET. The cursor must come from a page
 * of the same order, its key checked as that order's type: a failed cast is a 500, not a 400.
 */
export function keysetPage(order: KeysetOrder, after: KeysetCursor | undefined, limit: number) {
  const beyond = order.direction === 'desc' ? sql.raw('<') : sql.raw('>');
  return <DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>) =>
    query
      .select(sql<string>`(${order.key})::text`.as('keyset_at'))
      .$if(after !== undefined, (q) =>
        q.where(sql<boolean>`(${order.key}, id) ${beyond} (${after!.at}::${sql.raw(order.type)}, ${after!.id}::uuid)`),
      )
      .orderBy(order.key, order.direction)
      .orderBy(sql`id`, order.direction)
      .limit(limit + 1);
}

/**
 * Newest-first keyset pagination over a table with `created_at` and `id`, served by the
 * (organization_id, created_at desc) indexes. `keyset_at` is created_at as PostgreSQL prints it
 * (see KeysetCursor).
 */
export function newestFirst(after: KeysetCursor | undefined, limit: number) {
  return keysetPage({ key: sql`created_at`, type: 'timestamptz', direction: 'desc' }, after, limit);
}
