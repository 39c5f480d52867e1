import type { FocusCostRow } from '../adapter.ts';
import { canonicalDecimal, parseTags, parseTimestamp, type Instant } from './normalize.ts';

/** FOCUS columns this reader uses, by the field they fill. Header names match case-insensitively. */
export const FOCUS_COLUMNS = {
  billed_cost: 'BilledCost',
  effective_cost: 'EffectiveCost',
  list_cost: 'ListCost',
  currency: 'BillingCurrency',
  charge_period_start: 'ChargePeriodStart',
  charge_period_end: 'ChargePeriodEnd',
  service_name: 'ServiceName',
  service_category: 'ServiceCategory',
  charge_category: 'ChargeCategory',
  region_id: 'RegionId',
  provider_resource_id: 'ResourceId',
  sub_account_id: 'SubAccountId',
  tags: 'Tags',
} as const;

type FocusField = keyof typeof FOCUS_COLUMNS;

/** EffectiveCost and ListCost default to BilledCost; the others are optional in every export. */
const REQUIRED: readonly FocusField[] = [
  'billed_cost',
  'currency',
  'charge_period_start',
  'charge_period_end',
  'service_name',
  'service_category',
  'charge_category',
];

/** A refused row: its line in the file (the header is line 1) and what is wrong with it. */
export interface FocusRowError {
  line: number;
  reason: string;
}

/** The counts of a whole file, on its last batch. */
export interface FocusSummary {
  /** Data rows read (the header not counted). */
  rows: number;
  valid: number;
  rejected: number;
}

/**
 * Consecutive rows of a file: the valid ones normalised, the others as errors. The last batch of a
 * file, and only it, carries the summary; it may be empty.
 */
export interface FocusBatch {
  rows: FocusCostRow[];
  errors: FocusRowError[];
  summary?: FocusSummary;
}

export interface FocusReadOptions {
  /** Rows per batch, 1,000 by default; errors are flushed at the same count. */
  batchSize?: number;
  /** When set, rows of another SubAccountId are refused: an import is of one account. */
  subAccountId?: string;
}

/** The file cannot be imported at all (not FOCUS, required columns missing, broken CSV); no row of it is. */
export class FocusFileError extends Error {
  override name = 'FocusFileError';
}

const CHARGE_CATEGORIES = new Map(
  (['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] as const).map((value) => [value.toLowerCase(), value] as const),
);
const CURRENCY = /^[A-Z]{3}$/;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Distinct charge periods are few (the hours of a month), but a hostile file could make them endless. */
const CACHED_INSTANTS = 10_000;

/** A cell as an error shows it, cut short: reasons are stored and shown, a cell may be huge. */
function cut(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

const quote = (text: string) => `'${cut(text)}'`;

/**
 * The most UTF-8 bytes of a dimension cell. The rollups' primary keys hold service, region,
 * resource and tag together, and a btree entry holds at most ~2,700 bytes: a longer cell would
 * fail the whole import in the database instead of being refused with its line.
 */
const MAX_CELL_BYTES = { ServiceName: 256, ServiceCategory: 256, RegionId: 256, ResourceId: 1_024, SubAccountId: 256, tag: 512 } as const;

/** Why a text cell cannot be stored, or undefined. UTF-8 decoding leaves no lone surrogate, but JSON escapes can. */
function cellProblem(column: string, text: string | undefined, maxBytes: number): string | undefined {
  if (!text) return undefined;
  // A character is at most 3 UTF-8 bytes in a JS string's code units: most cells need no count.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes)) {
    return `${column} is longer than ${maxBytes} bytes`;
  }
  if (text.includes('\u0000')) return `${column} holds a NUL character, which PostgreSQL cannot store`;
  if (!text.isWellFormed()) return `${column} holds a lone UTF-16 surrogate`;
  return undefined;
}

/** Why a tag cannot be stored, or undefined. */
function tagsProblem(tags: Record<string, string>): string | undefined {
  for (const key in tags) {
    const problem = cellProblem('a Tags key', key, MAX_CELL_BYTES.tag) ?? cellProblem(`Tags ${cut(key)}`, tags[key], MAX_CELL_BYTES.tag);
    if (problem) return problem;
  }
  return undefined;
}

function granularityOf(start: number, end: number): FocusCostRow['granularity'] | undefined {
  const length = end - start;
  if (length === HOUR) return 'hourly';
  if (length === DAY) return 'daily';
  const from = new Date(start);
  const isMonth = from.getUTCDate() === 1 && start % DAY === 0 && end === Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1);
  return isMonth ? 'monthly' : undefined;
}

/**
 * Turns records (cells in header order) into FocusCostRows, or the reason a record is refused.
 * Written by hand rather than with zod: it runs once per row, millions of times per file.
 */
export class FocusRowReader {
  /** The header positions the reader looks at, so a columnar source can read only those. */
  readonly positions: readonly number[];
  readonly #billed: number;
  readonly #effective: number;
  readonly #list: number;
  readonly #currency: number;
  readonly #start: number;
  readonly #end: number;
  readonly #serviceName: number;
  readonly #serviceCategory: number;
  readonly #chargeCategory: number;
  readonly #region: number;
  readonly #resource: number;
  readonly #subAccount: number;
  readonly #tags: number;
  readonly #onlySubAccount: string | undefined;
  readonly #instants = new Map<string, Instant | null>();

  /** Throws FocusFileError when a required column is missing. */
  constructor(header: readonly string[], options: FocusReadOptions = {}) {
    const byName = new Map<string, number>();
    header.forEach((name, index) => {
      const key = name.trim().toLowerCase();
      if (byName.has(key) && Object.values(FOCUS_COLUMNS).some((column) => column.toLowerCase() === key)) {
        throw new FocusFileError(`the header has the column ${name.trim()} twice`);
      }
      byName.set(key, index);
    });
    // An absent column reads past the last cell, which is undefined like an empty one.
    const absent = header.length;
    const at = (field: FocusField) => byName.get(FOCUS_COLUMNS[field].toLowerCase()) ?? absent;
    const missing = REQUIRED.filter((field) => at(field) === absent).map((field) => FOCUS_COLUMNS[field]);
    if (missing.length > 0) {
      throw new FocusFileError(`not a FOCUS file: missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    }
    this.#billed = at('billed_cost');
    this.#effective = at('effective_cost');
    this.#list = at('list_cost');
    this.#currency = at('currency');
    this.#start = at('charge_period_start');
    this.#end = at('charge_period_end');
    this.#serviceName = at('service_name');
    this.#serviceCategory = at('service_category');
    this.#chargeCategory = at('charge_category');
    this.#region = at('region_id');
    this.#resource = at('provider_resource_id');
    this.#subAccount = at('sub_account_id');
    this.#tags = at('tags');
    this.positions = (Object.keys(FOCUS_COLUMNS) as FocusField[]).map(at).filter((position) => position !== absent);
    this.#onlySubAccount = options.subAccountId;
  }

  read(record: ArrayLike<string | undefined>): FocusCostRow | string {
    const billedText = record[this.#billed];
    const billed = billedText ? canonicalDecimal(billedText) : undefined;
    if (billed === undefined) return billedText ? `BilledCost: ${quote(billedText)} is not a number` : 'BilledCost is empty';
    let effective = billed;
    const effectiveText = record[this.#effective];
    if (effectiveText) {
      const value = canonicalDecimal(effectiveText);
      if (value === undefined) return `EffectiveCost: ${quote(effectiveText)} is not a number`;
      effective = value;
    }
    let list = billed;
    const listText = record[this.#list];
    if (listText) {
      const value = canonicalDecimal(listText);
      if (value === undefined) return `ListCost: ${quote(listText)} is not a number`;
      list = value;
    }

    const currencyText = record[this.#currency] ?? '';
    const currency = currencyText.trim().toUpperCase();
    if (!CURRENCY.test(currency)) return currencyText ? `BillingCurrency: ${quote(currencyText)} is not an ISO 4217 code` : 'BillingCurrency is empty';

    const startText = record[this.#start];
    const start = startText ? this.#instant(startText) : undefined;
    if (!start) return startText ? `ChargePeriodStart: ${quote(startText)} is not a date-time` : 'ChargePeriodStart is empty';
    const endText = record[this.#end];
    const end = endText ? this.#instant(endText) : undefined;
    if (!end) return endText ? `ChargePeriodEnd: ${quote(endText)} is not a date-time` : 'ChargePeriodEnd is empty';
    if (end.ms < start.ms) return 'ChargePeriodEnd is before ChargePeriodStart';
    const granularity = granularityOf(start.ms, end.ms);
    if (!granularity) return `the charge period ${start.iso} to ${end.iso} is not an hour, a day or a calendar month`;

    const service_name = record[this.#serviceName]?.trim();
    if (!service_name) return 'ServiceName is empty';
    const service_category = record[this.#serviceCategory]?.trim();
    if (!service_category) return 'ServiceCategory is empty';
    const categoryText = record[this.#chargeCategory] ?? '';
    const charge_category = CHARGE_CATEGORIES.get(categoryText.trim().toLowerCase());
    if (!charge_category) {
      return categoryText ? `ChargeCategory: ${quote(categoryText)} is not one of Usage, Purchase, Tax, Credit, Adjustment` : 'ChargeCategory is empty';
    }

    let tags: Record<string, string> = {};
    const tagsText = record[this.#tags]?.trim();
    if (tagsText) {
      const parsed = parseTags(tagsText);
      if (typeof parsed === 'string') return `Tags ${parsed}`;
      tags = parsed;
    }

    const row: FocusCostRow = {
      charge_period_start: start.iso,
      charge_period_end: end.iso,
      billed_cost: billed,
      effective_cost: effective,
      list_cost: list,
      currency,
      service_name,
      service_category,
      charge_category,
      tags,
      granularity,
    };
    const region = record[this.#region]?.trim();
    const resource = record[this.#resource]?.trim();
    const subAccount = record[this.#subAccount]?.trim();
    const problem =
      cellProblem('ServiceName', service_name, MAX_CELL_BYTES.ServiceName) ??
      cellProblem('ServiceCategory', service_category, MAX_CELL_BYTES.ServiceCategory) ??
      cellProblem('RegionId', region, MAX_CELL_BYTES.RegionId) ??
      cellProblem('ResourceId', resource, MAX_CELL_BYTES.ResourceId) ??
      cellProblem('SubAccountId', subAccount, MAX_CELL_BYTES.SubAccountId) ??
      tagsProblem(tags);
    if (problem) return problem;
    if (region) row.region_id = region;
    if (resource) row.provider_resource_id = resource;
    if (subAccount) {
      if (this.#onlySubAccount !== undefined && subAccount !== this.#onlySubAccount) {
        return `SubAccountId ${cut(subAccount)} is not the imported account ${this.#onlySubAccount}`;
      }
      row.sub_account_id = subAccount;
    }
    return row;
  }

  /** Charge periods repeat across millions of rows: each distinct text is parsed once. */
  #instant(text: string): Instant | undefined {
    let instant = this.#instants.get(text);
    if (instant === undefined) {
      instant = parseTimestamp(text) ?? null;
      if (this.#instants.size >= CACHED_INSTANTS) this.#instants.clear();
      this.#instants.set(text, instant);
    }
    return instant ?? undefined;
  }
}

/** Gathers results into batches of the asked size and counts them for the summary. */
export class BatchCollector {
  readonly #size: number;
  #batch: FocusBatch = { rows: [], errors: [] };
  #valid = 0;
  #rejected = 0;

  constructor(size = 1_000) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchSize must be a positive integer, not ${size}`);
    this.#size = size;
  }

  add(line: number, result: FocusCostRow | string): void {
    if (typeof result === 'string') {
      this.#batch.errors.push({ line, reason: result });
      this.#rejected += 1;
    } else {
      this.#batch.rows.push(result);
      this.#valid += 1;
    }
  }

  get full(): boolean {
    return this.#batch.rows.length >= this.#size || this.#batch.errors.length >= this.#size;
  }

  take(): FocusBatch {
    const batch = this.#batch;
    this.#batch = { rows: [], errors: [] };
    return batch;
  }

  /** The last batch: what is left, with the file's counts. */
  finish(): FocusBatch {
    return { ...this.take(), summary: { rows: this.#valid + this.#rejected, valid: this.#valid, rejected: this.#rejected } };
  }
}
