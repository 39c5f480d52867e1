/**
 * What the cost store can hold, checked per row when a file is read: a row the store would refuse
 * later (in the cost service, after the import was answered) is refused here, with its line and
 * reason, so nothing accepted is lost afterwards.
 */
import { canonicalDecimal } from './normalize.ts';

/**
 * The spellings real exports use for a missing value (SQL NULL written out, Python's None,
 * PostgreSQL's COPY \N), in any case. FOCUS has no column where one of them is a meaningful value.
 */
const NULL_SPELLINGS = new Set(['null', 'none', 'nil', 'n/a', '\\n', '<null>', '(null)']);
const LONGEST_NULL_SPELLING = 6;

/** A cell's text, trimmed, or undefined when the cell is absent, blank or a spelling of null. */
export function present(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed.length === 0) return undefined;
  if (trimmed.length <= LONGEST_NULL_SPELLING && NULL_SPELLINGS.has(trimmed.toLowerCase())) return undefined;
  return trimmed;
}

/**
 * Amounts are stored as numeric(38, 24) (packages/db migration 1763856000070): 24 decimals keep
 * every amount a real export writes, and 14 digits remain before the point.
 */
export const AMOUNT_INTEGER_DIGITS = 14;
export const AMOUNT_SCALE = 24;

/**
 * A canonical decimal (see canonicalDecimal) as the store holds it: rounded half away from zero at
 * the 24th decimal, as PostgreSQL would, so the event carries the stored value. Refused (a string
 * starting with "is") when it has more digits before the point than the column.
 */
export function storedAmount(canonical: string): { value: string } | { problem: string } {
  const negative = canonical.charCodeAt(0) === 45;
  const point = canonical.indexOf('.');
  let value = canonical;
  if (point !== -1 && canonical.length - point - 1 > AMOUNT_SCALE) {
    const kept = canonical.slice(negative ? 1 : 0, point) + canonical.slice(point + 1, point + 1 + AMOUNT_SCALE);
    const units = BigInt(kept) + (canonical.charCodeAt(point + 1 + AMOUNT_SCALE) >= 53 ? 1n : 0n);
    const digits = units.toString().padStart(AMOUNT_SCALE + 1, '0');
    const rounded = `${negative ? '-' : ''}${digits.slice(0, -AMOUNT_SCALE)}.${digits.slice(-AMOUNT_SCALE)}`;
    value = canonicalDecimal(rounded)!;
  }
  const dot = value.indexOf('.');
  const integerDigits = (dot === -1 ? value.length : dot) - (value.charCodeAt(0) === 45 ? 1 : 0);
  if (integerDigits > AMOUNT_INTEGER_DIGITS) return { problem: `is out of range: an amount has at most ${AMOUNT_INTEGER_DIGITS} digits before the point` };
  return { value };
}

/**
 * Bytes (UTF-8) of the texts that key the rollups: a B-tree entry holds at most ~2,700 bytes, and
 * the widest key (a resource rollup: resource id, service and region) must fit whatever the values.
 * Providers' own limits are far below (AWS tags 128/256 characters, ARNs in practice a few hundred).
 */
export const MAX_TEXT_BYTES = { name: 512, resource: 1_280, tagKey: 512, tagValue: 768 } as const;
/** The Tags cell as a whole: a row must fit an event (512 KiB) with room to spare. */
export const MAX_TAGS_CHARS = 65_536;

/** Why the store cannot hold a text (PostgreSQL refuses NUL, UTF-8 has no lone surrogate), or undefined. */
export function textProblem(text: string, maxBytes: number): string | undefined {
  if (text.includes('\0')) return 'contains a NUL character';
  if (!text.isWellFormed()) return 'contains a lone UTF-16 surrogate, which is not Unicode text';
  // A character is at most 3 UTF-8 bytes per UTF-16 unit: most texts need no count.
  if (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes) return `is longer than ${maxBytes} bytes`;
  return undefined;
}

/** Why the store cannot hold a row's tags, naming the tag, or undefined. */
export function tagsProblem(tags: Record<string, string>): string | undefined {
  for (const key in tags) {
    const keyProblem = textProblem(key, MAX_TEXT_BYTES.tagKey);
    if (keyProblem) return `key '${cut(key)}' ${keyProblem}`;
    const valueProblem = textProblem(tags[key]!, MAX_TEXT_BYTES.tagValue);
    if (valueProblem) return `value of '${cut(key)}' ${valueProblem}`;
  }
  return undefined;
}

/** A cell as an error shows it, cut short: reasons are stored and shown, a cell may be huge. */
export function cut(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  // The reason is stored too: a NUL or a surrogate cut in half would make it unstorable itself.
  return shown.replaceAll('\0', '\\0').toWellFormed();
}
