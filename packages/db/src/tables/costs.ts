import type {
  ColumnsOf,
  Generated,
  GeneratedJsonb,
  GeneratedTimestamp,
  Jsonb,
  Numeric,
  Timestamp,
} from './column-types.ts';
import type { BudgetPeriod, BudgetThresholdType, CloudProvider, CostGranularity } from './enums.ts';

/**
 * The cost time series, partitioned by month of "timestamp" (UTC months, partitions named
 * cost_data_yYYYYmMM, plus cost_data_default for rows outside them). Always read and write it
 * through the parent table: services have no privileges on partitions, and row-level security is
 * defined on the parent only. The primary key is (id, timestamp), as partitioning requires.
 * organization_id, cloud_account_id and resource_id reference their rows as foreign keys would
 * (checked, locked, cascaded or set null), but through statement-level triggers: migration
 * CostDataFactTable.
 */
export interface CostDataTable {
  id: Generated<string>;
  organization_id: string;
  cloud_account_id: string;
  resource_id: string | null;
  provider: CloudProvider;
  service: string | null;
  region: string | null;
  timestamp: Timestamp;
  amount: Numeric;
  /** ISO 4217 code, char(3). */
  currency: string;
  granularity: CostGranularity;
  /** FOCUS columns beyond the keys above: { tags, service_category, charge_category, effective_cost, list_cost, sub_account_id }. */
  dimensions: GeneratedJsonb;
  created_at: GeneratedTimestamp;
  /** The cost.ingested import that wrote the line (migration CostStore). */
  import_id: string | null;
  provider_resource_id: string | null;
}

/**
 * Monthly spend per provider/account/service (seed 000), the source of v_costs_aggregates and
 * costs_aggregates(). `month` is the first day of the month as 'YYYY-MM-DD' (a CHECK enforces it)
 * and defaults to the current month. Amounts of one organisation are summed together by the
 * aggregates, so the cost service writes them in the organisation's reporting currency.
 */
export interface CostsBreakdownTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string | null;
  provider: CloudProvider;
  account_id: string;
  account_name: string | null;
  service: string;
  month: Generated<string>;
  amount: Numeric;
  /** 'USD' by default. */
  currency: Generated<string>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface BudgetsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  amount: Numeric;
  currency: string;
  period: BudgetPeriod;
  /** 'YYYY-MM-DD'. */
  start_date: string;
  end_date: string | null;
  filters: GeneratedJsonb;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}


/**
 * Where a notification is announced: a budget alert's channels, or a user's preference for a type of
 * notification. The cost and audit APIs validate them on the way in; the audit service creates the
 * in-app notification and delivers email, webhook (signed) and Slack (an incoming webhook's URL).
 */
export type NotificationChannel =
  | { type: 'in_app' }
  | { type: 'email'; to: string }
  | { type: 'webhook'; url: string }
  | { type: 'slack'; url: string };

export interface BudgetAlertsTable {
  id: Generated<string>;
  organization_id: string;
  budget_id: string;
  /** Percentage of the budget, numeric(5,2). */
  threshold: Numeric;
  threshold_type: Generated<BudgetThresholdType>;
  notification_channels: Jsonb<NotificationChannel[]>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface CostTables {
  cost_data: CostDataTable;
  costs_breakdown: CostsBreakdownTable;
  budgets: BudgetsTable;
  budget_alerts: BudgetAlertsTable;
}

/** A row of the v_costs_aggregates view (security_invoker: row-level security applies). */
export interface CostsAggregatesView {
  organization_id: string;
  /** This month's total. */
  monthly: string;
  /** monthly / 30, rounded to 6 decimals. */
  daily: string;
  previous_monthly: string;
  /** Percent change of monthly vs previous month (2 decimals); null when the previous month is 0. */
  delta_pct: string | null;
}

/** What `select costs_aggregates()` returns for the current organisation (JSON numbers). */
export interface CostsAggregates {
  daily: number;
  monthly: number;
  delta_pct: number | null;
}

export const costColumns: ColumnsOf<CostTables> = {
  cost_data: {
    id: 'not null',
    organization_id: 'not null',
    cloud_account_id: 'not null',
    resource_id: 'null',
    provider: 'not null',
    service: 'null',
    region: 'null',
    timestamp: 'not null',
    amount: 'not null',
    currency: 'not null',
    granularity: 'not null',
    dimensions: 'not null',
    created_at: 'not null',
    import_id: 'null',
    provider_resource_id: 'null',
  },
  costs_breakdown: {
    id: 'not null',
    organization_id: 'not null',
    user_id: 'null',
    provider: 'not null',
    account_id: 'not null',
    account_name: 'null',
    service: 'not null',
    month: 'not null',
    amount: 'not null',
    currency: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  budgets: {
    id: 'not null',
    organization_id: 'not null',
    name: 'not null',
    amount: 'not null',
    currency: 'not null',
    period: 'not null',
    start_date: 'not null',
    end_date: 'null',
    filters: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  budget_alerts: {
    id: 'not null',
    organization_id: 'not null',
    budget_id: 'not null',
    threshold: 'not null',
    threshold_type: 'not null',
    notification_channels: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};
