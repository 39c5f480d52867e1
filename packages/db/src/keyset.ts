import { sql, type SelectQueryBuilder } from 'kysely';

/**
 * Where the previous page ended. `at` is created_at as PostgreSQL prints it, microseconds
 * included: a JS Date keeps only milliseconds, and a cursor rounded to them would skip the rows
 * created later within the same millisecond.
 */
export interface KeysetCursor {
  at: string;
  id: string;
}

/**
 * Newest-first keyset pagination over a table with `created_at` and `id`: one row more than the
 * page is read, so the caller knows whether a next page exists, and each row carries `keyset_at`
 * for the next cursor. Stable under concurrent inserts, unlike OFFSET, and served by the
 * (organization_id, created_at desc) indexes.
 */
export function newestFirst(after: KeysetCursor | undefined, limit: number) {
  return <DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>) =>
    query
      .select(sql<string>`created_at::text`.as('keyset_at'))
      .$if(after !== undefined, (q) =>
        q.where(sql<boolean>`(created_at, id) < (${after!.at}::timestamptz, ${after!.id}::uuid)`),
      )
      .orderBy(sql`created_at`, 'desc')
      .orderBy(sql`id`, 'desc')
      .limit(limit + 1);
}
