import { z } from 'zod';
import { AppError } from './app-error.ts';
import { LIMITS, text } from './fields.ts';

/** The query parameters of every paginated list. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size, 1 to 500'),
  cursor: text({ max: 4 * LIMITS.text }).optional().describe('next_cursor of the previous page'),
});

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('pass as cursor for the next page; null on the last page'),
  });
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-])(\d{2})(?::(\d{2}))?$/;

/**
 * A timestamptz as PostgreSQL prints it, and one it takes back: the pattern alone would pass
 * month 13 or year 0000, which the database refuses with an error rather than a 400.
 */
export const pgTimestamp = z.string().refine((value) => {
  const parts = TIMESTAMP.exec(value);
  if (!parts) return false;
  const [, year, month, dayOfMonth, hour, minute, second, , , offsetHours, offsetMinutes = '00'] = parts;
  const wall = `${year}-${month}-${dayOfMonth}T${hour}:${minute}:${second}`;
  const date = new Date(`${wall}Z`);
  // Date rolls day 31 of a 30-day month over to the next: a different text means no such moment.
  return Number(year) >= 1970 && !Number.isNaN(date.getTime()) && date.toISOString().startsWith(wall) && Number(offsetHours) <= 15 && Number(offsetMinutes) < 60;
});

/**
 * An opaque cursor: base64url of a JSON value checked against `schema` when it comes back, so a
 * forged one is a 400 saying what to do (`hint`), never a value the database refuses.
 */
export function cursorCodec<S extends z.ZodType>(schema: S, hint = 'start again without cursor') {
  return {
    encode(value: z.input<S>): string {
      return Buffer.from(JSON.stringify(value)).toString('base64url');
    },
    decode(cursor: string | undefined): z.output<S> | undefined {
      if (cursor === undefined) return undefined;
      const json = (() => {
        try {
          return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
        } catch {
          return undefined;
        }
      })();
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new AppError('invalid', `cursor is not a next_cursor this API returned; ${hint}`);
      return parsed.data;
    },
  };
}

interface Cursor {
  at: string;
  id: string;
}

const keysetCursor = cursorCodec(z.tuple([pgTimestamp, z.uuid()]));

/** Opaque to clients: base64url of the last row's exact created_at and id. */
export function encodeCursor({ at, id }: Cursor): string {
  return keysetCursor.encode([at, id]);
}

export function decodeCursor(cursor: string | undefined): Cursor | undefined {
  const decoded = keysetCursor.decode(cursor);
  return decoded && { at: decoded[0], id: decoded[1] };
}

/**
 * Turns the `limit + 1` rows of a keyset query (see newestFirst in @stratus/db) into a page: the
 * extra row only tells that there is a next page, and `keyset_at` is not part of the item.
 */
export function toPage<T extends { id: string; keyset_at: string }>(
  rows: T[],
  limit: number,
  /** How the last row becomes the next cursor: a list ordered by something else says so in its cursor. */
  cursorOf: (last: T) => string = (last) => encodeCursor({ at: last.keyset_at, id: last.id }),
): { items: Omit<T, 'keyset_at'>[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(({ keyset_at: _, ...item }) => item),
    next_cursor: rows.length > limit && last ? cursorOf(last) : null,
  };
}
