import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.ts';
import { decodeCursor, encodeCursor, pageQuery, toPage } from './pagination.ts';

const id = '0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d';
const at = '2026-11-01 12:00:00.123456+00';

describe('pagination', () => {
  it('round-trips a cursor with microsecond precision', () => {
    expect(decodeCursor(encodeCursor({ at, id }))).toEqual({ at, id });
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor(encodeCursor({ at: '2024-02-29 23:59:59-05:30', id }))).toEqual({ at: '2024-02-29 23:59:59-05:30', id });
  });

  it('rejects a cursor it did not issue with a 400 that says what to do', () => {
    const forged = [
      'abc',
      Buffer.from('["yesterday","x"]').toString('base64url'),
      encodeCursor({ at: "1'; drop", id }),
      // The right shape, but timestamps PostgreSQL refuses: they must not reach the query.
      encodeCursor({ at: '2026-13-01 12:00:00.123456+00', id }),
      encodeCursor({ at: '0000-11-01 12:00:00+00', id }),
      encodeCursor({ at: '2026-02-30 12:00:00+00', id }),
      encodeCursor({ at: '2026-11-01 24:00:00+00', id }),
      encodeCursor({ at: '2026-11-01 12:00:00+99', id }),
    ];
    for (const bad of forged) {
      expect(() => decodeCursor(bad)).toThrow(AppError);
      expect(() => decodeCursor(bad)).toThrow(/start again without cursor/);
    }
  });

  it('returns limit items, a cursor only when a next page exists, and no keyset column', () => {
    const rows = [1, 2, 3].map((n) => ({ id: `${id.slice(0, -1)}${n}`, keyset_at: at, name: `r${n}` }));
    const full = toPage(rows, 2);
    expect(full.items).toEqual([{ id: rows[0]!.id, name: 'r1' }, { id: rows[1]!.id, name: 'r2' }]);
    expect(decodeCursor(full.next_cursor!)).toEqual({ at, id: rows[1]!.id });
    expect(toPage(rows, 3).next_cursor).toBeNull();
  });

  it('bounds the page size', () => {
    expect(pageQuery.parse({}).limit).toBe(50);
    expect(pageQuery.safeParse({ limit: '0' }).success).toBe(false);
    expect(pageQuery.safeParse({ limit: '501' }).success).toBe(false);
  });
});
