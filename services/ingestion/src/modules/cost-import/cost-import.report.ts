import type { FocusCostRow } from '@stratus/cloud';
import { fromUnits, toUnits, type CostImportError, type ImportBreakdown, type ImportBreakdownEntry } from '@stratus/db';

/** Keys of one dimension kept apart; a hostile file could name millions of sub-accounts. */
const MAX_KEYS = 1_000;
const OTHER = '(other)';
const NONE = '(none)';
const FIRST_LINES = 5;

type Counts = { keptRows: number; kept: bigint; refusedRows: number; refused: bigint };

class Dimension {
  readonly #entries = new Map<string, Counts>();

  add(key: string, kept: boolean, units: bigint | undefined): void {
    let counts = this.#entries.get(key);
    if (!counts) {
      if (this.#entries.size >= MAX_KEYS) return this.add(OTHER, kept, units);
      counts = { keptRows: 0, kept: 0n, refusedRows: 0, refused: 0n };
      this.#entries.set(key, counts);
    }
    if (kept) {
      counts.keptRows += 1;
      counts.kept += units ?? 0n;
    } else {
      counts.refusedRows += 1;
      counts.refused += units ?? 0n;
    }
  }

  entries(): ImportBreakdownEntry[] {
    return [...this.#entries]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, c]) => ({ key, kept: { rows: c.keptRows, amount: fromUnits(c.kept) }, refused: { rows: c.refusedRows, amount: fromUnits(c.refused) } }));
  }
}

/**
 * A reason without the row's own values, so rows refused for the same thing group together:
 * quoted cells, instants and long ids become placeholders.
 */
export function reasonGroup(reason: string): string {
  return reason
    .replace(/'(?:[^']|'')*'/g, "'…'")
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g, '<time>')
    .replace(/\b\d{2,}\b/g, (digits, offset: number, text: string) => (text.slice(0, offset).endsWith('COST_RAW_RETENTION_MONTHS=') ? digits : '<n>'));
}

/** Accumulates an import's breakdown as its rows stream past; memory stays bounded. */
export class ImportTally {
  readonly #provider: string;
  readonly #byProvider = new Dimension();
  readonly #bySubAccount = new Dimension();
  readonly #byCategory = new Dimension();
  readonly #refused = new Map<string, { rows: number; units: bigint; first_lines: number[] }>();

  /** `provider`: the provider of kept rows that name none (the imported account's). */
  constructor(provider: string) {
    this.#provider = provider;
  }

  kept(row: FocusCostRow): void {
    const units = toUnits(row.billed_cost);
    this.#byProvider.add(row.provider_name ?? this.#provider, true, units);
    this.#bySubAccount.add(row.sub_account_id ?? NONE, true, units);
    this.#byCategory.add(row.charge_category, true, units);
  }

  refused(error: CostImportError): void {
    const units = error.billed_cost === undefined ? undefined : toUnits(error.billed_cost);
    this.#byProvider.add(error.provider ?? NONE, false, units);
    this.#bySubAccount.add(error.sub_account_id ?? NONE, false, units);
    this.#byCategory.add(error.charge_category ?? NONE, false, units);
    let key = reasonGroup(error.reason);
    if (!this.#refused.has(key) && this.#refused.size >= MAX_KEYS - 1) key = OTHER;
    let group = this.#refused.get(key);
    if (!group) {
      group = { rows: 0, units: 0n, first_lines: [] };
      this.#refused.set(key, group);
    }
    group.rows += 1;
    group.units += units ?? 0n;
    if (group.first_lines.length < FIRST_LINES) group.first_lines.push(error.line);
  }

  breakdown(): ImportBreakdown {
    return {
      by_provider: this.#byProvider.entries(),
      by_sub_account: this.#bySubAccount.entries(),
      by_charge_category: this.#byCategory.entries(),
      refused: [...this.#refused]
        .map(([reason, group]) => ({ reason, rows: group.rows, amount: fromUnits(group.units), first_lines: group.first_lines }))
        .sort((a, b) => b.rows - a.rows || a.reason.localeCompare(b.reason)),
    };
  }
}
