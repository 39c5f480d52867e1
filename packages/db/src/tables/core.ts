import type { ColumnsOf } from './column-types.ts';
import { actionColumns, type ActionTables } from './actions.ts';
import { auditColumns, type AuditTables } from './audit.ts';
import { automationColumns, type AutomationTables } from './automation.ts';
import { costColumns, type CostsAggregatesView, type CostTables } from './costs.ts';
import { identityColumns, type IdentityTables } from './identity.ts';
import { inventoryColumns, type InventoryTables } from './inventory.ts';
import { recommendationColumns, type RecommendationTables } from './recommendations.ts';
import { terraformColumns, type TerraformTables } from './terraform.ts';

/** Every table created by the Foundation migration. */
export interface CoreTables
  extends IdentityTables,
    InventoryTables,
    CostTables,
    RecommendationTables,
    ActionTables,
    AutomationTables,
    AuditTables,
    TerraformTables {}

export interface CoreViews {
  v_costs_aggregates: CostsAggregatesView;
}

/** The runtime mirror of CoreTables; its keys are the list of Foundation's tables. */
export const coreColumns: ColumnsOf<CoreTables> = {
  ...identityColumns,
  ...inventoryColumns,
  ...costColumns,
  ...recommendationColumns,
  ...actionColumns,
  ...automationColumns,
  ...auditColumns,
  ...terraformColumns,
};

export type CoreTableName = keyof CoreTables;

export const CORE_TABLES = Object.keys(coreColumns) as CoreTableName[];

/** Views' columns (PostgreSQL does not track a view column's nullability, so names only). */
export const coreViewColumns: { [View in keyof CoreViews]: { [Column in keyof CoreViews[View]]: true } } = {
  v_costs_aggregates: { organization_id: true, monthly: true, daily: true, previous_monthly: true, delta_pct: true },
};
