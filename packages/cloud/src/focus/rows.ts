import type { CloudProvider, FocusCostRow } from '../adapter.ts';
import { providerOf } from './providers.ts';
import { canonicalDecimal, parseTags, parseTimestamp, type Instant } from './normalize.ts';
import { cut, MAX_TAGS_CHARS, MAX_TEXT_BYTES, present, storedAmount, tagsProblem, textProblem } from './storable.ts';

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
  sub_account_name: 'SubAccountName',
  tags: 'Tags',
  /** FOCUS 1.0 to 1.2; deprecated by 1.3 and removed by 1.4. */
  provider_name: 'ProviderName',
  /** FOCUS 1.3 and later: the provider whose service the row bills. */
  service_provider_name: 'ServiceProviderName',
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

/** What can be read of a refused row, so a report can account for it; each only when readable. */
export interface FocusRowFacts {
  provider?: string;
  sub_account_id?: string;
  charge_category?: FocusCostRow['charge_category'];
  billed_cost?: string;
}

/** A refused row: its line in the file (the header is line 1), what is wrong with it and what is known of it. */
export interface FocusRowError extends FocusRowFacts {
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
  /** When set, rows naming another provider are refused: an import is of one account's provider. */
  provider?: CloudProvider;
  /** When set, rows charged before `cutoff` are refused: "ChargePeriodStart <start> is before <text>". */
  notBefore?: { cutoff: Date; text: string };
  /** The caller's own check of a valid row: a reason refuses it, with its line, like the reader's own. */
  accept?: (row: FocusCostRow) => string | undefined;
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

type Checked = { ok: true; value: string } | { ok: false; problem: string };

const quote = (text: string) => `'${cut(text)}'`;

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
  readonly #subAccountName: number;
  readonly #tags: number;
  readonly #provider: number;
  readonly #serviceProvider: number;
  readonly #onlyProvider: CloudProvider | undefined;
  readonly #onlySubAccount: string | undefined;
  readonly #notBefore: { ms: number; text: string } | undefined;
  readonly #accept: FocusReadOptions['accept'];
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
    this.#subAccountName = at('sub_account_name');
    this.#tags = at('tags');
    this.#provider = at('provider_name');
    this.#serviceProvider = at('service_provider_name');
    this.#onlyProvider = options.provider;
    this.positions = (Object.keys(FOCUS_COLUMNS) as FocusField[]).map(at).filter((position) => position !== absent);
    this.#onlySubAccount = options.subAccountId;
    if (options.notBefore) this.#notBefore = { ms: options.notBefore.cutoff.getTime(), text: options.notBefore.text };
    this.#accept = options.accept;
  }

  read(record: ArrayLike<string | undefined>): FocusCostRow | string {
    const named = present(record[this.#serviceProvider]) ?? present(record[this.#provider]);
    const provider = named === undefined ? undefined : providerOf(named);
    if (this.#onlyProvider !== undefined && named !== undefined && provider !== this.#onlyProvider) {
      return `ProviderName ${quote(named)}${provider !== named ? ` (${provider})` : ''} is not ${this.#onlyProvider}, the imported account's provider`;
    }
    const billed = this.#amount(record, this.#billed, 'BilledCost');
    if (billed === undefined) return 'BilledCost is empty or null';
    if (!billed.ok) return billed.problem;
    // EffectiveCost and ListCost are mandatory in FOCUS, but older exports leave them out.
    const effective = this.#amount(record, this.#effective, 'EffectiveCost') ?? billed;
    if (!effective.ok) return effective.problem;
    const list = this.#amount(record, this.#list, 'ListCost') ?? billed;
    if (!list.ok) return list.problem;

    const currencyText = present(record[this.#currency]);
    if (!currencyText) return 'BillingCurrency is empty or null';
    const currency = currencyText.toUpperCase();
    if (!CURRENCY.test(currency)) return `BillingCurrency: ${quote(currencyText)} is not an ISO 4217 code`;

    const startText = present(record[this.#start]);
    if (!startText) return 'ChargePeriodStart is empty or null';
    const start = this.#instant(startText);
    if (!start) return `ChargePeriodStart: ${quote(startText)} is not a date-time`;
    const endText = present(record[this.#end]);
    if (!endText) return 'ChargePeriodEnd is empty or null';
    const end = this.#instant(endText);
    if (!end) return `ChargePeriodEnd: ${quote(endText)} is not a date-time`;
    if (end.ms < start.ms) return 'ChargePeriodEnd is before ChargePeriodStart';
    if (this.#notBefore && start.ms < this.#notBefore.ms) return `ChargePeriodStart ${start.iso} is before ${this.#notBefore.text}`;
    const granularity = granularityOf(start.ms, end.ms);
    if (!granularity) return `the charge period ${start.iso} to ${end.iso} is not an hour, a day or a calendar month`;

    const service_name = this.#text(record, this.#serviceName, 'ServiceName', MAX_TEXT_BYTES.name);
    if (service_name === undefined) return 'ServiceName is empty or null';
    if (!service_name.ok) return service_name.problem;
    const service_category = this.#text(record, this.#serviceCategory, 'ServiceCategory', MAX_TEXT_BYTES.name);
    if (service_category === undefined) return 'ServiceCategory is empty or null';
    if (!service_category.ok) return service_category.problem;
    const categoryText = present(record[this.#chargeCategory]);
    if (!categoryText) return 'ChargeCategory is empty or null';
    const charge_category = CHARGE_CATEGORIES.get(categoryText.toLowerCase());
    if (!charge_category) return `ChargeCategory: ${quote(categoryText)} is not one of Usage, Purchase, Tax, Credit, Adjustment`;

    let tags: Record<string, string> = {};
    const tagsText = present(record[this.#tags]);
    if (tagsText) {
      if (tagsText.length > MAX_TAGS_CHARS) return `Tags is longer than ${MAX_TAGS_CHARS} characters`;
      const parsed = parseTags(tagsText);
      if (typeof parsed === 'string') return `Tags ${parsed}`;
      const problem = tagsProblem(parsed);
      if (problem) return `Tags: the ${problem}`;
      tags = parsed;
    }

    const row: FocusCostRow = {
      charge_period_start: start.iso,
      charge_period_end: end.iso,
      billed_cost: billed.value,
      effective_cost: effective.value,
      list_cost: list.value,
      currency,
      service_name: service_name.value,
      service_category: service_category.value,
      charge_category,
      tags,
      granularity,
    };
    const region = this.#text(record, this.#region, 'RegionId', MAX_TEXT_BYTES.name);
    if (region && !region.ok) return region.problem;
    if (region) row.region_id = region.value;
    const resource = this.#text(record, this.#resource, 'ResourceId', MAX_TEXT_BYTES.resource);
    if (resource && !resource.ok) return resource.problem;
    if (resource) row.provider_resource_id = resource.value;
    const subAccount = this.#text(record, this.#subAccount, 'SubAccountId', MAX_TEXT_BYTES.name);
    if (subAccount && !subAccount.ok) return subAccount.problem;
    if (subAccount) {
      if (this.#onlySubAccount !== undefined && subAccount.value !== this.#onlySubAccount) {
        return `SubAccountId ${cut(subAccount.value)} is not the imported account ${this.#onlySubAccount}`;
      }
      row.sub_account_id = subAccount.value;
    }
    const subAccountName = this.#text(record, this.#subAccountName, 'SubAccountName', MAX_TEXT_BYTES.name);
    if (subAccountName && !subAccountName.ok) return subAccountName.problem;
    if (subAccountName) row.sub_account_name = subAccountName.value;
    if (provider !== undefined) row.provider_name = cut(provider);
    return this.#accept?.(row) ?? row;
  }

  /** An amount cell: undefined when null, else its canonical decimal or why the store cannot hold it. */
  #amount(record: ArrayLike<string | undefined>, position: number, column: string): Checked | undefined {
    const text = present(record[position]);
    if (text === undefined) return undefined;
    const value = canonicalDecimal(text);
    if (value === undefined) return { ok: false, problem: `${column}: ${quote(text)} is not a number` };
    const stored = storedAmount(value);
    return 'problem' in stored ? { ok: false, problem: `${column}: ${quote(text)} ${stored.problem}` } : { ok: true, value: stored.value };
  }

  /** A text cell: undefined when null, else its trimmed text or why the store cannot hold it. */
  #text(record: ArrayLike<string | undefined>, position: number, column: string, maxBytes: number): Checked | undefined {
    const value = present(record[position]);
    if (value === undefined) return undefined;
    const problem = textProblem(value, maxBytes);
    return problem ? { ok: false, problem: `${column} ${problem}` } : { ok: true, value };
  }

  /** What can be read of a row that read() refused. */
  facts(record: ArrayLike<string | undefined>): FocusRowFacts {
    const facts: FocusRowFacts = {};
    const named = present(record[this.#serviceProvider]) ?? present(record[this.#provider]);
    if (named !== undefined) facts.provider = cut(providerOf(named));
    const subAccount = present(record[this.#subAccount]);
    if (subAccount !== undefined) facts.sub_account_id = cut(subAccount);
    const category = CHARGE_CATEGORIES.get(present(record[this.#chargeCategory])?.toLowerCase() ?? '');
    if (category) facts.charge_category = category;
    const billed = this.#amount(record, this.#billed, 'BilledCost');
    if (billed?.ok) facts.billed_cost = billed.value;
    return facts;
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

  /** A refused row comes with what its reader could read of it (FocusRowReader.facts). */
  add(line: number, result: FocusCostRow | string, facts?: FocusRowFacts): void {
    if (typeof result === 'string') {
      this.#batch.errors.push({ line, reason: result, ...facts });
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
