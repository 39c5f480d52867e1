import type { ColumnsOf, Generated, GeneratedJsonb, GeneratedTimestamp, Numeric, NullableTimestamp } from './column-types.ts';
import type { CloudProvider, CostArchiveStatus, CostImportSource, CostImportStatus, RollupGranularity } from './enums.ts';


/** The cost service's side of one cost.ingested import: the batches it holds, whether it is applied. */
export interface CostImportProgressTable {
  import_id: string;
  organization_id: string;
  cloud_account_id: string;
  source: CostImportSource;
  status: Generated<CostImportStatus>;
  received_batches: Generated<number[]>;
  rows_received: Generated<number>;
  /** summary.batches of the final batch, once it arrived. */
  batches: number | null;
  period_start: NullableTimestamp;
  period_end: NullableTimestamp;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
  applied_at: NullableTimestamp;
}

/** Daily and monthly totals per account, service and region ('' = none). */
export interface CostRollupsTable {
  organization_id: string;
  granularity: RollupGranularity;
  /** 'YYYY-MM-DD': the day, or the month's first day. */
  period_start: string;
  cloud_account_id: string;
  provider: CloudProvider;
  service: string;
  region: string;
  currency: string;
  amount: Numeric;
  lines: number;
}

/** Daily and monthly totals per tag key and value, account and service. */
export interface CostTagRollupsTable {
  organization_id: string;
  granularity: RollupGranularity;
  period_start: string;
  tag_key: string;
  tag_value: string;
  cloud_account_id: string;
  provider: CloudProvider;
  service: string;
  currency: string;
  amount: Numeric;
  lines: number;
}

/** Monthly totals per resource (provider_resource_id; '' for lines of no resource). */
export interface CostResourceRollupsTable {
  organization_id: string;
  month: string;
  cloud_account_id: string;
  provider: CloudProvider;
  provider_resource_id: string;
  service: string;
  region: string;
  currency: string;
  amount: Numeric;
  lines: number;
}

/** A day of an account whose cost is still the provider's estimate, as the last import of the day said. */
export interface CostEstimatedDaysTable {
  organization_id: string;
  cloud_account_id: string;
  /** 'YYYY-MM-DD' */
  day: string;
  /** The import that said so. */
  import_id: string;
}

/** A budget alert threshold that fired for one budget period (at most one row per pair). */
export interface BudgetAlertFiringsTable {
  budget_alert_id: string;
  period_start: string;
  organization_id: string;
  budget_id: string;
  period_end: string;
  spend: Numeric;
  fired_at: GeneratedTimestamp;
}

/** One organisation's month of cost lines written to the object store before its partition was dropped. */
export interface CostArchivesTable {
  id: Generated<string>;
  organization_id: string;
  /** The month's first day, 'YYYY-MM-DD'. */
  month: string;
  status: Generated<CostArchiveStatus>;
  bucket: string;
  manifest_key: string;
  object_keys: Generated<string[]>;
  /** bigint: a count as a decimal string. */
  rows: Generated<string>;
  bytes: Generated<string>;
  /** Sum of the lines' amounts per currency: { "USD": "123.456789" }. */
  sums: GeneratedJsonb;
  archived_at: NullableTimestamp;
  restored_at: NullableTimestamp;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface CostStoreTables {
  cost_import_progress: CostImportProgressTable;
  cost_rollups: CostRollupsTable;
  cost_tag_rollups: CostTagRollupsTable;
  cost_resource_rollups: CostResourceRollupsTable;
  cost_estimated_days: CostEstimatedDaysTable;
  budget_alert_firings: BudgetAlertFiringsTable;
  cost_archives: CostArchivesTable;
}

export const costStoreColumns: ColumnsOf<CostStoreTables> = {
  cost_archives: {
    id: 'not null',
    organization_id: 'not null',
    month: 'not null',
    status: 'not null',
    bucket: 'not null',
    manifest_key: 'not null',
    object_keys: 'not null',
    rows: 'not null',
    bytes: 'not null',
    sums: 'not null',
    archived_at: 'null',
    restored_at: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  cost_import_progress: {
    import_id: 'not null',
    organization_id: 'not null',
    cloud_account_id: 'not null',
    source: 'not null',
    status: 'not null',
    received_batches: 'not null',
    rows_received: 'not null',
    batches: 'null',
    period_start: 'null',
    period_end: 'null',
    created_at: 'not null',
    updated_at: 'not null',
    applied_at: 'null',
  },
  cost_estimated_days: {
    organization_id: 'not null',
    cloud_account_id: 'not null',
    day: 'not null',
    import_id: 'not null',
  },
  cost_rollups: {
    organization_id: 'not null',
    granularity: 'not null',
    period_start: 'not null',
    cloud_account_id: 'not null',
    provider: 'not null',
    service: 'not null',
    region: 'not null',
    currency: 'not null',
    amount: 'not null',
    lines: 'not null',
  },
  cost_tag_rollups: {
    organization_id: 'not null',
    granularity: 'not null',
    period_start: 'not null',
    tag_key: 'not null',
    tag_value: 'not null',
    cloud_account_id: 'not null',
    provider: 'not null',
    service: 'not null',
    currency: 'not null',
    amount: 'not null',
    lines: 'not null',
  },
  cost_resource_rollups: {
    organization_id: 'not null',
    month: 'not null',
    cloud_account_id: 'not null',
    provider: 'not null',
    provider_resource_id: 'not null',
    service: 'not null',
    region: 'not null',
    currency: 'not null',
    amount: 'not null',
    lines: 'not null',
  },
  budget_alert_firings: {
    budget_alert_id: 'not null',
    period_start: 'not null',
    organization_id: 'not null',
    budget_id: 'not null',
    period_end: 'not null',
    spend: 'not null',
    fired_at: 'not null',
  },
};
