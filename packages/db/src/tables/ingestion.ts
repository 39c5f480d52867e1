import type { ColumnsOf, Generated, GeneratedJsonb, GeneratedTimestamp, NullableJsonb, NullableTimestamp } from './column-types.ts';
import type { BillingImportStatus, CloudProvider, CostImportOutcome, CostImportSource, UnlinkedSubAccounts } from './enums.ts';

/** A refused row: its line, why, and what could be read of it (for the report and the CSV of refused rows). */
export type CostImportError = {
  line: number;
  reason: string;
  provider?: string;
  sub_account_id?: string;
  charge_category?: string;
  billed_cost?: string;
};

/** Rows and their BilledCost, exactly; a refused row whose BilledCost is unreadable counts in rows only. */
export type ImportTally = { rows: number; amount: string };
export type ImportBreakdownEntry = { key: string; kept: ImportTally; refused: ImportTally };
/** Refused rows sharing a reason (the row's own values masked): how many, their amount, the first lines. */
export type RefusalGroup = { reason: string; rows: number; amount: string; first_lines: number[] };
/**
 * The import report, what a FinOps person reconciles a file with: every row read is kept or
 * refused, and both are totalled per provider, sub-account and charge category.
 */
export type ImportBreakdown = {
  by_provider: ImportBreakdownEntry[];
  by_sub_account: ImportBreakdownEntry[];
  by_charge_category: ImportBreakdownEntry[];
  refused: RefusalGroup[];
};

/** One cost import (provider pull or FOCUS file) and its outcome; written by the ingestion service. */
export interface CostImportsTable {
  id: Generated<string>;
  organization_id: string;
  cloud_account_id: string;
  user_id: string | null;
  source: CostImportSource;
  file_name: string | null;
  status: Generated<CostImportOutcome>;
  period_start: NullableTimestamp;
  period_end: NullableTimestamp;
  rows_total: Generated<number>;
  rows_imported: Generated<number>;
  rows_rejected: Generated<number>;
  batches: Generated<number>;
  errors: GeneratedJsonb<CostImportError[]>;
  error: string | null;
  created_at: GeneratedTimestamp;
  completed_at: NullableTimestamp;
  settled_at: NullableTimestamp;
  /** The import report, once the source is read. */
  breakdown: NullableJsonb<ImportBreakdown>;
  /** The billing-level import (one file of many accounts) this account's share came from. */
  billing_import_id: string | null;
}

/**
 * One FOCUS file of a whole billing account, imported for the organisation: each row goes to the
 * linked account its provider and SubAccountId name (a cost_imports row per account).
 */
export interface BillingImportsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string | null;
  file_name: string;
  /** What happens to a sub-account no cloud account is linked to. */
  unlinked_sub_accounts: UnlinkedSubAccounts;
  status: Generated<BillingImportStatus>;
  rows_total: Generated<number>;
  rows_routed: Generated<number>;
  rows_rejected: Generated<number>;
  /** Rows kept as unassigned cost: of sub-accounts no cloud account is linked to. */
  rows_unassigned: Generated<number>;
  /** The first refused rows, those no account received among them. */
  errors: GeneratedJsonb<CostImportError[]>;
  breakdown: NullableJsonb<ImportBreakdown>;
  /** Billing-only accounts this import linked: { cloud_account_id, provider, account_id, name }. */
  linked_accounts: GeneratedJsonb<{ cloud_account_id: string; provider: string; account_id: string; name: string }[]>;
  error: string | null;
  created_at: GeneratedTimestamp;
  completed_at: NullableTimestamp;
}

/** The organisation's cost import defaults; one row, or none while it keeps the defaults. */
export interface CostImportSettingsTable {
  organization_id: string;
  /** What a billing-level import does with a sub-account nobody linked, unless the import says otherwise. */
  unlinked_sub_accounts: UnlinkedSubAccounts;
  updated_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/**
 * Cost of sub-accounts no cloud account is linked to, kept by billing imports told to, summed per
 * day, service, charge category and currency. Only rows of routed billing imports count.
 */
export interface UnassignedCostsTable {
  id: Generated<string>;
  organization_id: string;
  billing_import_id: string;
  provider: CloudProvider;
  /** As accounts are matched: an Azure subscription in lower case without /subscriptions/. */
  sub_account_id: string;
  sub_account_name: string | null;
  charge_date: string;
  service_name: string;
  charge_category: string;
  currency: string;
  rows: number;
  billed_cost: string;
  effective_cost: string;
  list_cost: string;
}

export interface IngestionTables {
  cost_imports: CostImportsTable;
  billing_imports: BillingImportsTable;
  cost_import_settings: CostImportSettingsTable;
  unassigned_costs: UnassignedCostsTable;
}

export const ingestionColumns: ColumnsOf<IngestionTables> = {
  cost_imports: {
    id: 'not null',
    organization_id: 'not null',
    cloud_account_id: 'not null',
    user_id: 'null',
    source: 'not null',
    file_name: 'null',
    status: 'not null',
    period_start: 'null',
    period_end: 'null',
    rows_total: 'not null',
    rows_imported: 'not null',
    rows_rejected: 'not null',
    batches: 'not null',
    errors: 'not null',
    error: 'null',
    created_at: 'not null',
    completed_at: 'null',
    settled_at: 'null',
    breakdown: 'null',
    billing_import_id: 'null',
  },
  billing_imports: {
    id: 'not null',
    organization_id: 'not null',
    user_id: 'null',
    file_name: 'not null',
    unlinked_sub_accounts: 'not null',
    status: 'not null',
    rows_total: 'not null',
    rows_routed: 'not null',
    rows_rejected: 'not null',
    rows_unassigned: 'not null',
    errors: 'not null',
    breakdown: 'null',
    linked_accounts: 'not null',
    error: 'null',
    created_at: 'not null',
    completed_at: 'null',
  },
  cost_import_settings: {
    organization_id: 'not null',
    unlinked_sub_accounts: 'not null',
    updated_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  unassigned_costs: {
    id: 'not null',
    organization_id: 'not null',
    billing_import_id: 'not null',
    provider: 'not null',
    sub_account_id: 'not null',
    sub_account_name: 'null',
    charge_date: 'not null',
    service_name: 'not null',
    charge_category: 'not null',
    currency: 'not null',
    rows: 'not null',
    billed_cost: 'not null',
    effective_cost: 'not null',
    list_cost: 'not null',
  },
};
