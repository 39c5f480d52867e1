import type { ColumnType, Generated, SelectType } from 'kysely';

/**
 * Column types shared by the table interfaces. Reading conventions of the pg driver as configured
 * by createDb: timestamptz arrives as Date, numeric (and bigint) as string so no precision is lost,
 * date as 'YYYY-MM-DD' text (see create-db.ts), jsonb parsed.
 */

export type { Generated };

export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** numeric money amounts (numeric(20,6); cost lines numeric(38,24)): exact decimal strings; numbers are accepted on write. */
export type Numeric = ColumnType<string, string | number, string | number>;
export type GeneratedNumeric = ColumnType<string, string | number | undefined, string | number>;
export type NullableNumeric = ColumnType<string | null, string | number | null | undefined, string | number | null>;

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * jsonb is written as JSON text (`JSON.stringify(value)`) and read back parsed: pg would send a JS
 * array as a PostgreSQL array literal, not as JSON, so accepting objects would invite that bug.
 */
export type Jsonb<T extends JsonValue = JsonObject> = ColumnType<T, string, string>;
export type GeneratedJsonb<T extends JsonValue = JsonObject> = ColumnType<T, string | undefined, string>;
export type NullableJsonb<T extends JsonValue = JsonObject> = ColumnType<T | null, string | null | undefined, string | null>;

/**
 * A runtime mirror of a group of table interfaces: every column of every table, marked with its
 * nullability. The compiler rejects a mirror that misses a column, names one the interface lacks,
 * or disagrees on nullability; a test compares the mirror with the migrated database. Together
 * they keep the interfaces and the migrations from drifting apart.
 */
export type ColumnsOf<Tables> = {
  [Table in keyof Tables]: {
    [Column in keyof Tables[Table]]: null extends SelectType<Tables[Table][Column]> ? 'null' : 'not null';
  };
};
