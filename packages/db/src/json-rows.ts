import { sql, type AliasableExpression, type RawBuilder, type Selectable } from 'kysely';
import type { Database } from './database.ts';

/**
 * Rows for `insert into … select`, sent as one JSON parameter and read by PostgreSQL with the
 * table's own row type (jsonb_populate_recordset): text becomes the column's enum, uuid or
 * timestamp, an object its jsonb. A VALUES list binds one parameter per cell, which pg encodes,
 * PostgreSQL parses and the planner plans cell by cell: for a batch of hundreds of rows that
 * costs more than writing them, and this costs one parameter whatever the batch. A column the
 * rows leave out reads as null: list only those they hold.
 */
export function jsonRows<T extends keyof Database & string>(
  table: T,
  rows: readonly Partial<Record<keyof Selectable<Database[T]>, unknown>>[],
): RawBuilder<Selectable<Database[T]>> & AliasableExpression<Selectable<Database[T]>> {
  return sql<Selectable<Database[T]>>`jsonb_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::jsonb)`;
}
