import { sql } from 'kysely';
import type { CloudProvider } from '@stratus/db';
import { fromUnits, toUnits, withTenant } from '@stratus/db';
import type { FocusCostRow } from '@stratus/cloud';
import type { CostImportDependencies } from './cost-import.service.ts';

/** Sums held in memory before they are added to the table: a file may name many sub-accounts and days. */
const FLUSH_AT = 5_000;
/** Sub-accounts listed on the billing import's report; the table holds them all. */
const REPORTED_SUB_ACCOUNTS = 1_000;

export interface SubAccount {
  provider: CloudProvider;
  /** As accounts are matched (subAccountOf). */
  sub_account_id: string;
}

export interface UnassignedSubAccount extends SubAccount {
  sub_account_name: string | null;
  currency: string;
  rows: number;
  billed_cost: string;
}

interface Sum {
  key: SubAccount & { sub_account_name: string | null; charge_date: string; service_name: string; charge_category: string; currency: string };
  rows: number;
  billed: bigint;
  effective: bigint;
  list: bigint;
}

/**
 * The rows of one billing import whose sub-account no cloud account is linked to, kept as
 * unassigned cost. They are summed per day, service, charge category and currency, added to the
 * table as the file streams (so memory stays bounded), and count only once the import is settled:
 * `settle` replaces what earlier imports kept for the same sub-accounts and days, `discard` removes
 * what a failed import wrote.
 */
export class UnassignedCosts {
  readonly #deps: CostImportDependencies;
  readonly #organizationId: string;
  readonly #billingImportId: string;
  readonly #pending = new Map<string, Sum>();
  readonly #bySubAccount = new Map<string, UnassignedSubAccount & { units: bigint }>();
  rows = 0;

  constructor(deps: CostImportDependencies, organizationId: string, billingImportId: string) {
    this.#deps = deps;
    this.#organizationId = organizationId;
    this.#billingImportId = billingImportId;
  }

  async add(row: FocusCostRow, subAccount: SubAccount): Promise<void> {
    const key = {
      ...subAccount,
      sub_account_name: row.sub_account_name ?? null,
      charge_date: new Date(row.charge_period_start).toISOString().slice(0, 10),
      service_name: row.service_name,
      charge_category: row.charge_category,
      currency: row.currency,
    };
    const id = JSON.stringify([key.provider, key.sub_account_id, key.charge_date, key.service_name, key.charge_category, key.currency]);
    let sum = this.#pending.get(id);
    if (!sum) {
      sum = { key, rows: 0, billed: 0n, effective: 0n, list: 0n };
      this.#pending.set(id, sum);
    }
    const billed = toUnits(row.billed_cost);
    sum.rows += 1;
    sum.billed += billed;
    sum.effective += toUnits(row.effective_cost);
    sum.list += toUnits(row.list_cost);
    this.#report(key, billed);
    this.rows += 1;
    if (this.#pending.size >= FLUSH_AT) await this.#flush();
  }

  #report(key: Sum['key'], billed: bigint): void {
    const id = JSON.stringify([key.provider, key.sub_account_id, key.currency]);
    let entry = this.#bySubAccount.get(id);
    if (!entry) {
      if (this.#bySubAccount.size >= REPORTED_SUB_ACCOUNTS) return;
      entry = { provider: key.provider, sub_account_id: key.sub_account_id, sub_account_name: key.sub_account_name, currency: key.currency, rows: 0, billed_cost: '', units: 0n };
      this.#bySubAccount.set(id, entry);
    }
    entry.rows += 1;
    entry.units += billed;
  }

  /** Per sub-account and currency, the rows kept and their BilledCost. */
  get subAccounts(): UnassignedSubAccount[] {
    return [...this.#bySubAccount.values()]
      .map(({ units, ...entry }) => ({ ...entry, billed_cost: fromUnits(units) }))
      .sort((a, b) => a.provider.localeCompare(b.provider) || a.sub_account_id.localeCompare(b.sub_account_id) || a.currency.localeCompare(b.currency));
  }

  async #flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const values = [...this.#pending.values()].map((sum) => ({
      organization_id: this.#organizationId,
      billing_import_id: this.#billingImportId,
      ...sum.key,
      rows: sum.rows,
      billed_cost: fromUnits(sum.billed),
      effective_cost: fromUnits(sum.effective),
      list_cost: fromUnits(sum.list),
    }));
    this.#pending.clear();
    await withTenant(this.#deps.db, this.#organizationId, (trx) =>
      trx
        .insertInto('unassigned_costs')
        .values(values)
        .onConflict((conflict) =>
          conflict.constraint('unassigned_costs_key').doUpdateSet((eb) => ({
            rows: sql<number>`${eb.ref('unassigned_costs.rows')} + ${eb.ref('excluded.rows')}`,
            billed_cost: sql<string>`${eb.ref('unassigned_costs.billed_cost')} + ${eb.ref('excluded.billed_cost')}`,
            effective_cost: sql<string>`${eb.ref('unassigned_costs.effective_cost')} + ${eb.ref('excluded.effective_cost')}`,
            list_cost: sql<string>`${eb.ref('unassigned_costs.list_cost')} + ${eb.ref('excluded.list_cost')}`,
          })),
        )
        .execute(),
    );
  }

  /**
   * Writes what is left, then removes what earlier imports kept for the days this file covers of
   * its sub-accounts: those it kept unassigned again and those it routed to an account (linked
   * since), so unassigned cost is never also an account's.
   */
  async settle(period: { first: string; last: string } | undefined, routed: readonly SubAccount[]): Promise<void> {
    await this.#flush();
    if (!period) return;
    await withTenant(this.#deps.db, this.#organizationId, async (trx) => {
      await sql`
        delete from unassigned_costs earlier
         where earlier.billing_import_id <> ${this.#billingImportId}
           and earlier.charge_date between ${period.first} and ${period.last}
           and (earlier.provider::text, earlier.sub_account_id) in (
             select distinct provider::text, sub_account_id from unassigned_costs where billing_import_id = ${this.#billingImportId}
             union all
             select * from unnest(${routed.map((account) => account.provider)}::text[], ${routed.map((account) => account.sub_account_id)}::text[])
           )
      `.execute(trx);
    });
  }

  async discard(): Promise<void> {
    this.#pending.clear();
    await withTenant(this.#deps.db, this.#organizationId, (trx) =>
      trx.deleteFrom('unassigned_costs').where('billing_import_id', '=', this.#billingImportId).execute(),
    );
  }
}
