/**
 * Value-level normalisation of FOCUS cells. Money is handled as text from end to end: a float
 * would turn 0.1 + 0.2 style noise into invoices.
 */

const ZERO = 48;
const NINE = 57;
const isDigit = (code: number) => code >= ZERO && code <= NINE;
const isSpace = (code: number) => code === 32 || code === 9;

/** Beyond this an exponent is a corrupt cell, not an amount; refusing it bounds the text produced. */
const MAX_EXPONENT = 400;

/**
 * The canonical decimal text of a number written as text ("1.2300" -> "1.23", "1e-3" -> "0.001",
 * "-0" -> "0"), by moving digits, never through a float. Undefined when the text is not a plain
 * decimal number (Infinity, NaN, hexadecimal, thousands separators are refused).
 */
export function canonicalDecimal(text: string): string | undefined {
  let start = 0;
  let stop = text.length;
  while (start < stop && isSpace(text.charCodeAt(start))) start += 1;
  while (stop > start && isSpace(text.charCodeAt(stop - 1))) stop -= 1;
  let i = start;
  const sign = text.charCodeAt(i);
  const negative = sign === 45;
  if (negative || sign === 43) i += 1;
  const intStart = i;
  while (isDigit(text.charCodeAt(i))) i += 1;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (text.charCodeAt(i) === 46) {
    fracStart = i += 1;
    while (isDigit(text.charCodeAt(i))) i += 1;
    fracEnd = i;
  }
  if (intEnd === intStart && fracEnd === fracStart) return undefined;
  let exponent = 0;
  if ((text.charCodeAt(i) | 32) === 101 && i < stop) {
    i += 1;
    const expSign = text.charCodeAt(i);
    if (expSign === 45 || expSign === 43) i += 1;
    const expStart = i;
    while (isDigit(text.charCodeAt(i))) i += 1;
    if (i === expStart || i - expStart > 4) return undefined;
    exponent = Number(text.slice(expStart, i)) * (expSign === 45 ? -1 : 1);
    if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  }
  if (i !== stop) return undefined;

  let value: string;
  if (exponent === 0) {
    // The common case, cut out of the text in one slice: leading zeros of the integer part (but
    // its last digit) and trailing zeros of the fraction dropped.
    let from = intStart;
    while (from < intEnd - 1 && text.charCodeAt(from) === ZERO) from += 1;
    let to = fracEnd;
    while (to > fracStart && text.charCodeAt(to - 1) === ZERO) to -= 1;
    if (to > fracStart) value = from === intEnd ? `0${text.slice(fracStart - 1, to)}` : text.slice(from, to);
    else value = from === intEnd ? '0' : text.slice(from, intEnd);
  } else {
    const digits = text.slice(intStart, intEnd) + text.slice(fracStart, fracEnd);
    const point = intEnd - intStart + exponent;
    const integer = point <= 0 ? '0' : point >= digits.length ? digits + '0'.repeat(point - digits.length) : digits.slice(0, point);
    const fraction = point >= digits.length ? '' : point <= 0 ? '0'.repeat(-point) + digits : digits.slice(point);
    return canonicalDecimal(fraction ? `${negative ? '-' : ''}${integer}.${fraction}` : `${negative ? '-' : ''}${integer}`);
  }
  return negative && value !== '0' ? `-${value}` : value;
}

/** A point in time, as milliseconds for arithmetic and as the ISO text the row carries. */
export interface Instant {
  ms: number;
  iso: string;
}

const TIMESTAMP =
  /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(?:Z|UTC|([+-])(\d{2})(?::?(\d{2}))?)?\s*$/i;

/**
 * Reads an ISO 8601 date-time, with or without its offset; one without (a bare date, or BigQuery's
 * "2026-11-01 00:00:00 UTC") is UTC, as FOCUS requires of ChargePeriodStart/End. Fields out of
 * range (month 13, February 30) are refused rather than rolled over as Date.parse would.
 */
export function parseTimestamp(text: string): Instant | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction, offsetSign, offsetHours = '0', offsetMinutes = '0'] = match;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  const oh = Number(offsetHours);
  const om = Number(offsetMinutes);
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (y < 1000 || m < 1 || m > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59 || oh > 18 || om > 59) return undefined;
  const offset = (offsetSign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  const ms = Date.UTC(y, m - 1, d, h, mi, s, fraction ? Number(`${fraction.slice(1)}00`.slice(0, 3)) : 0) - offset;
  return { ms, iso: new Date(ms).toISOString() };
}

/** The ISO 8601 text (UTC, with its Z offset) of a date-time, or undefined; see parseTimestamp. */
export function canonicalTimestamp(text: string): string | undefined {
  return parseTimestamp(text)?.iso;
}

/**
 * The Tags cell, a JSON object, as string tags. FOCUS gives valueless tags the value true ("true"
 * here); a key with a null value is a tag the resource does not carry, so it is left out.
 */
export function parseTags(text: string): Record<string, string> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'is not valid JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'is not a JSON object';
  const tags: Record<string, unknown> = parsed as Record<string, unknown>;
  for (const key in tags) {
    const value = tags[key];
    if (value === null) delete tags[key];
    else if (typeof value !== 'string') tags[key] = JSON.stringify(value);
  }
  return tags as Record<string, string>;
}
