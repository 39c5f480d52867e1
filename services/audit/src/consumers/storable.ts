import type { JsonObject } from '@stratus/db';

/**
 * What PostgreSQL cannot hold: NUL (in text or jsonb) and a lone UTF-16 surrogate (refused in
 * jsonb, silently turned into U+FFFD in text by the driver's UTF-8 encoding).
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export interface Storable<T> {
  value: T;
  /** Whether anything had to be escaped: the record says so, since it is no longer verbatim. */
  escaped: boolean;
}

/**
 * The value with every character PostgreSQL cannot store written as its \uXXXX escape (a literal
 * backslash sequence), so that an event whose strings hold one is still recorded, visibly, rather
 * than refused by the database and dead-lettered: an attacker's odd account name must not keep
 * their action out of the audit trail.
 */
export function storable<T>(value: T): Storable<T> {
  let escaped = false;
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      return node.replace(UNSTORABLE, (char) => {
        escaped = true;
        return escapeChar(char);
      });
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, inner]) => [walk(key) as string, walk(inner)]));
    }
    return node;
  };
  const result = walk(value) as T;
  return { value: result, escaped };
}

/** The details of a record, escaped when needed and then marked so. */
export function storableDetails(details: JsonObject): JsonObject {
  const { value, escaped } = storable(details);
  return escaped ? { ...value, escaped: true } : value;
}
