import { DateTime, IANAZone } from 'luxon';

/**
 * Off-hours schedules in Cloud Custodian's tag syntax, e.g. `off=(M-F,19);on=(M-F,7);tz=Europe/Paris`
 * or `off=[(M-F,21),(U,18)];on=[(M-F,6),(U,10)];tz=America/New_York;holidays=(2026-12-25,2027-01-01)`.
 *
 *   spec     = term { ";" term }
 *   term     = ("off" | "on") "=" (rule | "[" rule { "," rule } "]")
 *            | "tz" "=" IANA zone name              (default UTC)
 *            | "holidays" "=" "(" date { "," date } ")"   (YYYY-MM-DD, local dates)
 *   rule     = "(" days { "," days } "," hour ")"
 *   days     = day [ "-" day ]                      (a range wraps: S-M is Saturday to Monday)
 *   day      = "M" | "T" | "W" | "H" | "F" | "S" | "U"   (Thursday H, Sunday U, as Custodian)
 *   hour     = 0 .. 23                              (local wall-clock hour)
 *
 * Keys and days are case-insensitive; spaces around tokens are ignored. A day no rule names has no
 * scheduled change, so the state of Friday evening lasts over a weekend that only M-F rules name;
 * on a holiday nothing changes either.
 */
export type DesiredState = 'running' | 'stopped';

/** Luxon's weekday numbers: 1 Monday ... 7 Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface ScheduleRule {
  days: Weekday[];
  hour: number;
}

export interface ScheduleSpec {
  off: ScheduleRule[];
  on: ScheduleRule[];
  tz: string;
  /** Local dates (YYYY-MM-DD) on which no scheduled change happens. */
  holidays: string[];
}

export interface ScheduledChange {
  at: Date;
  state: DesiredState;
}

export class ScheduleSpecError extends Error {
  override name = 'ScheduleSpecError';
  readonly offset: number;

  constructor(offset: number, message: string) {
    super(`at ${offset}: ${message}`);
    this.offset = offset;
  }
}

const DAYS: Readonly<Record<string, Weekday>> = { M: 1, T: 2, W: 3, H: 4, F: 5, S: 6, U: 7 };
const DATE = /^\d{4}-\d{2}-\d{2}$/;

class Reader {
  offset = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  private skipSpaces(): void {
    while (this.text[this.offset] === ' ') this.offset += 1;
  }

  peek(): string | undefined {
    this.skipSpaces();
    return this.text[this.offset];
  }

  found(): string {
    const rest = this.text.slice(this.offset);
    return rest === '' ? 'end of input' : `'${rest.slice(0, 12)}'`;
  }

  fail(expected: string): never {
    this.skipSpaces();
    throw new ScheduleSpecError(this.offset, `expected ${expected}, found ${this.found()}`);
  }

  expect(char: string, what = `'${char}'`): void {
    if (this.peek() !== char) this.fail(what);
    this.offset += 1;
  }

  accept(char: string): boolean {
    if (this.peek() !== char) return false;
    this.offset += 1;
    return true;
  }

  /** Characters up to (not including) one of `stops`, trimmed. */
  until(stops: string): { value: string; at: number } {
    this.skipSpaces();
    const at = this.offset;
    while (this.offset < this.text.length && !stops.includes(this.text[this.offset]!)) this.offset += 1;
    return { value: this.text.slice(at, this.offset).trim(), at };
  }

  done(): boolean {
    return this.peek() === undefined;
  }
}

function weekday(reader: Reader): Weekday {
  const char = reader.peek()?.toUpperCase();
  const day = char === undefined ? undefined : DAYS[char];
  if (day === undefined) reader.fail('a day (M T W H F S U)');
  reader.offset += 1;
  return day;
}

function dayRange(reader: Reader): Weekday[] {
  const first = weekday(reader);
  if (!reader.accept('-')) return [first];
  const last = weekday(reader);
  const days: Weekday[] = [];
  for (let day = first; ; day = ((day % 7) + 1) as Weekday) {
    days.push(day);
    if (day === last) return days;
  }
}

function rule(reader: Reader): ScheduleRule {
  reader.expect('(', "'(' opening a rule such as (M-F,19)");
  const days = new Set<Weekday>();
  for (;;) {
    const next = reader.peek();
    if (next !== undefined && /[0-9]/.test(next)) break;
    for (const day of dayRange(reader)) days.add(day);
    reader.expect(',', "',' then more days or the hour");
  }
  if (days.size === 0) reader.fail('a day (M T W H F S U) before the hour');
  const { value, at } = reader.until(')');
  if (!/^\d{1,2}$/.test(value) || Number(value) > 23) throw new ScheduleSpecError(at, `expected an hour from 0 to 23, found '${value}'`);
  reader.expect(')');
  return { days: [...days].sort(), hour: Number(value) };
}

function rules(reader: Reader): ScheduleRule[] {
  if (!reader.accept('[')) return [rule(reader)];
  const list = [rule(reader)];
  while (reader.accept(',')) list.push(rule(reader));
  reader.expect(']', "',' or ']'");
  return list;
}

/** Parses a spec; every error names its offset and what was expected there. */
export function parseScheduleSpec(text: string): ScheduleSpec {
  const reader = new Reader(text);
  const spec: ScheduleSpec = { off: [], on: [], tz: 'UTC', holidays: [] };
  const seen = new Set<string>();
  do {
    const key = reader.until('=;');
    const name = key.value.toLowerCase();
    if (!['off', 'on', 'tz', 'holidays'].includes(name)) {
      throw new ScheduleSpecError(key.at, `expected off, on, tz or holidays, found ${key.value === '' ? reader.found() : `'${key.value}'`}`);
    }
    if (seen.has(name)) throw new ScheduleSpecError(key.at, `${name} is given twice`);
    seen.add(name);
    reader.expect('=', `'=' after ${name}`);
    if (name === 'off' || name === 'on') {
      spec[name] = rules(reader);
    } else if (name === 'tz') {
      const zone = reader.until(';');
      if (!IANAZone.isValidZone(zone.value)) throw new ScheduleSpecError(zone.at, `expected an IANA time zone such as Europe/Paris, found '${zone.value}'`);
      spec.tz = zone.value;
    } else {
      reader.expect('(', "'(' opening the list of holidays");
      do {
        const date = reader.until(',)');
        if (!DATE.test(date.value) || !DateTime.fromISO(date.value).isValid) throw new ScheduleSpecError(date.at, `expected a date YYYY-MM-DD, found '${date.value}'`);
        spec.holidays.push(date.value);
      } while (reader.accept(','));
      reader.expect(')', "',' or ')'");
    }
  } while (reader.accept(';'));
  if (!reader.done()) reader.fail("';' between terms");
  if (spec.off.length === 0 && spec.on.length === 0) throw new ScheduleSpecError(0, 'expected at least one off or on term');
  for (const off of spec.off) {
    for (const on of spec.on) {
      const day = off.days.find((d) => on.days.includes(d));
      if (day !== undefined && off.hour === on.hour) {
        throw new ScheduleSpecError(0, `off and on both at ${on.hour}:00 on ${Object.keys(DAYS)[day - 1]}: the desired state would be ambiguous`);
      }
    }
  }
  return spec;
}

/** The spec with more holidays (a named schedule's list beside its spec's own). */
export function withHolidays(spec: ScheduleSpec, holidays: readonly string[]): ScheduleSpec {
  return { ...spec, holidays: [...new Set([...spec.holidays, ...holidays])].sort() };
}

/** The scheduled changes of one local date, earliest first. */
function changesOn(spec: ScheduleSpec, date: DateTime): ScheduledChange[] {
  if (spec.holidays.includes(date.toISODate()!)) return [];
  const changes: ScheduledChange[] = [];
  for (const [state, list] of [['stopped', spec.off], ['running', spec.on]] as const) {
    for (const { days, hour } of list) {
      if (!days.includes(date.weekday as Weekday)) continue;
      // Luxon places an hour the spring change skips at the hour after it (02:00 -> 03:00 in
      // Paris), and an hour the autumn change repeats at its first occurrence: one change a day.
      const at = DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour }, { zone: spec.tz });
      changes.push({ at: at.toJSDate(), state });
    }
  }
  return changes.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** A year of holidays and weekends is the furthest a change can be from any time. */
const SEARCH_DAYS = 370;

/** The last scheduled change at or before `at`, or null when the spec names none in the past year. */
export function lastScheduledChange(spec: ScheduleSpec, at: Date): ScheduledChange | null {
  const day = DateTime.fromJSDate(at, { zone: spec.tz }).startOf('day');
  for (let back = 0; back < SEARCH_DAYS; back += 1) {
    const changes = changesOn(spec, day.minus({ days: back })).filter((change) => change.at <= at);
    if (changes.length > 0) return changes[changes.length - 1]!;
  }
  return null;
}

/** The first scheduled change after `at`, or null. */
export function nextScheduledChange(spec: ScheduleSpec, at: Date): ScheduledChange | null {
  const day = DateTime.fromJSDate(at, { zone: spec.tz }).startOf('day');
  for (let ahead = 0; ahead < SEARCH_DAYS; ahead += 1) {
    const change = changesOn(spec, day.plus({ days: ahead })).find((candidate) => candidate.at > at);
    if (change) return change;
  }
  return null;
}

/** The state the schedule wants at `at`: that of its last change, or null when it has none. */
export function desiredState(spec: ScheduleSpec, at: Date): DesiredState | null {
  return lastScheduledChange(spec, at)?.state ?? null;
}
