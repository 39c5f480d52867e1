import { z } from 'zod';
import { AppError } from './app-error.ts';

/** The query parameters of every paginated list. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size, 1 to 500'),
  cursor: z.string().optional().describe('next_cursor of the previous page'),
});

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('pass as cursor for the next page; null on the last page'),
  });
}

interface Cursor {
  at: string;
  id: string;
}

const cursorSchema = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/), z.uuid()]);

/** Opaque to clients: base64url of the last row's exact created_at and id. */
export function encodeCursor({ at, id }: Cursor): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [at, id] = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { at, id };
  } catch {
    throw new AppError('invalid', 'cursor is not a next_cursor this API returned; start again without cursor');
  }
}

/**
 * Turns the `limit + 1` rows of a keyset query (see newestFirst in @stratus/db) into a page: the
 * extra row only tells that there is a next page, and `keyset_at` is not part of the item.
 */
export function toPage<T extends { id: string; keyset_at: string }>(
  rows: T[],
  limit: number,
): { items: Omit<T, 'keyset_at'>[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(({ keyset_at: _, ...item }) => item),
    next_cursor: rows.length > limit && last ? encodeCursor({ at: last.keyset_at, id: last.id }) : null,
  };
}
