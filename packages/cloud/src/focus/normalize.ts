import type { FocusCostRow } from '../adapter.ts';

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

export type FocusField = keyof typeof FOCUS_COLUMNS;

const REQUIRED: readonly FocusField[] = [
  'billed_cost',
  'currency',
  'charge_period_start',
  'charge_period_end',
  'service_name',
  'service_category',
  'charge_category',
];

/** A rejected row: its line in the file (the header is line 1) and what is wrong with it. */
export interface FocusRowError {
  line: number;
  reason: string;
}

export interface FocusBatch {
  rows: FocusCostRow[];
  errors: FocusRowError[];
}

export interface FocusReadOptions {
  /** Rows per batch yielded; 1,000 by default. */
  batchSize?: number;
  /** When set, rows of another SubAccountId are rejected: an import is of one account. */
  subAccountId?: string;
}

/** The file cannot be imported at all (a required column is missing, it is not FOCUS). */
export class FocusFileError extends Error {
  override name = 'FocusFileError';
}

/** Position of each field's column in the header, or -1. */
export type ColumnIndex = Record<FocusField, number>;

export function columnIndex(header: readonly string[]): ColumnIndex {
  const positions = new Map(header.map((name, index) => [name.trim().toLowerCase(), index]));
  const index = Object.fromEntries(
    Object.entries(FOCUS_COLUMNS).map(([field, column]) => [field, positions.get(column.toLowerCase()) ?? -1]),
  ) as ColumnIndex;
  const missing = REQUIRED.filter((field) => index[field] === -1).map((field) => FOCUS_COLUMNS[field]);
  if (missing.length > 0) {
    throw new FocusFileError(`not a FOCUS file: missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }
  return index;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The canonical decimal text of a number written as text ("1.2300" -> "1.23", "1e-3" -> "0.001"),
 * by moving digits, never through a float, so no amount gains binary noise.
 */
export function canonicalDecimal(text: string): string | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole = '', fraction = '', exponent] = match;
  if (whole === '' && fraction === '') return undefined;
  let digits = whole + fraction;
  let point = whole.length + (exponent ? Number(exponent) : 0);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  } else if (point > digits.length) {
    digits += '0'.repeat(point - digits.length);
  }
  const integer = digits.slice(0, point).replace(/^0+/, '') || '0';
  const decimals = digits.slice(point).replace(/0+$/, '');
  const value = decimals ? `${integer}.${decimals}` : integer;
  return sign === '-' && value !== '0' ? `-${value}` : value;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** ISO 8601 with offset, or undefined. A time without a zone, or a bare date, is taken as UTC. */
export function canonicalTimestamp(text: string): string | undefined {
  const match = TIMESTAMP.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = match;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const time = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${offset}`);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

const CHARGE_CATEGORIES = new Map(
  (['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] as const).map((value) => [value.toLowerCase(), value] as const),
);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function granularityOf(start: string, end: string): FocusCostRow['granularity'] | undefined {
  const from = new Date(start);
  const to = new Date(end);
  const length = to.getTime() - from.getTime();
  if (length === HOUR) return 'hourly';
  if (length === DAY) return 'daily';
  const isMonth =
    from.getUTCDate() === 1 &&
    from.getTime() % DAY === 0 &&
    to.getTime() === Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1);
  return isMonth ? 'monthly' : undefined;
}

/**
 * One row's cells (already picked by column) into a FocusCostRow, or the reason it is refused.
 * Periods repeat across millions of rows, so their parsing is memoised by the caller's cache.
 */
export function normalizeRow(
  cell: (field: FocusField) => string | undefined,
  options: FocusReadOptions,
  timestamps: Map<string, string | undefined>,
): FocusCostRow | string {
  const decimal = (field: FocusField): string | undefined | null => {
    const text = cell(field);
    if (text === undefined || text === '') return null;
    return canonicalDecimal(text);
  };
  const billed = decimal('billed_cost');
  if (billed === null) return `${FOCUS_COLUMNS.billed_cost} is empty`;
  if (billed === undefined) return `${FOCUS_COLUMNS.billed_cost}: '${cell('billed_cost')}' is not a number`;
  const effective = decimal('effective_cost');
  if (effective === undefined) return `${FOCUS_COLUMNS.effective_cost}: '${cell('effective_cost')}' is not a number`;
  const list = decimal('list_cost');
  if (list === undefined) return `${FOCUS_COLUMNS.list_cost}: '${cell('list_cost')}' is not a number`;

  const currency = (cell('currency') ?? '').trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) return `${FOCUS_COLUMNS.currency}: '${cell('currency') ?? ''}' is not an ISO 4217 code`;

  const timestamp = (field: 'charge_period_start' | 'charge_period_end') => {
    const text = cell(field) ?? '';
    let parsed = timestamps.get(text);
    if (parsed === undefined && !timestamps.has(text)) {
      parsed = canonicalTimestamp(text);
      if (timestamps.size < 100_000) timestamps.set(text, parsed);
    }
    return parsed;
  };
  const start = timestamp('charge_period_start');
  if (!start) return `${FOCUS_COLUMNS.charge_period_start}: '${cell('charge_period_start') ?? ''}' is not a date-time`;
  const end = timestamp('charge_period_end');
  if (!end) return `${FOCUS_COLUMNS.charge_period_end}: '${cell('charge_period_end') ?? ''}' is not a date-time`;
  if (end <= start) return `${FOCUS_COLUMNS.charge_period_end} is not after ${FOCUS_COLUMNS.charge_period_start}`;
  const granularity = granularityOf(start, end);
  if (!granularity) return `the charge period ${start} to ${end} is not an hour, a day or a calendar month`;

  const service_name = (cell('service_name') ?? '').trim();
  if (!service_name) return `${FOCUS_COLUMNS.service_name} is empty`;
  const service_category = (cell('service_category') ?? '').trim();
  if (!service_category) return `${FOCUS_COLUMNS.service_category} is empty`;
  const charge_category = CHARGE_CATEGORIES.get((cell('charge_category') ?? '').trim().toLowerCase());
  if (!charge_category) {
    return `${FOCUS_COLUMNS.charge_category}: '${cell('charge_category') ?? ''}' is not one of Usage, Purchase, Tax, Credit, Adjustment`;
  }

  let tags: Record<string, string> = {};
  const tagText = cell('tags');
  if (tagText) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(tagText);
    } catch {
      return `${FOCUS_COLUMNS.tags} is not valid JSON`;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return `${FOCUS_COLUMNS.tags} is not a JSON object`;
    tags = Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
  }

  const sub_account_id = cell('sub_account_id')?.trim() || undefined;
  if (options.subAccountId !== undefined && sub_account_id !== undefined && sub_account_id !== options.subAccountId) {
    return `${FOCUS_COLUMNS.sub_account_id} ${sub_account_id} is not the imported account ${options.subAccountId}`;
  }
  const row: FocusCostRow = {
    charge_period_start: start,
    charge_period_end: end,
    billed_cost: billed,
    effective_cost: effective ?? billed,
    list_cost: list ?? billed,
    currency,
    service_name,
    service_category,
    charge_category,
    tags,
    granularity,
  };
  const region = cell('region_id')?.trim();
  if (region) row.region_id = region;
  const resource = cell('provider_resource_id')?.trim();
  if (resource) row.provider_resource_id = resource;
  if (sub_account_id) row.sub_account_id = sub_account_id;
  return row;
}
