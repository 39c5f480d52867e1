export type { Database } from './database.ts';
export { createDb, type CreateDbOptions } from './create-db.ts';
export { withTenant } from './tenant.ts';
export { newestFirst, type KeysetCursor } from './keyset.ts';
export {
  migrateToLatest,
  migrateDown,
  migrateDownAll,
  pendingMigrations,
  runMigrations,
  type MigrationLogger,
} from './migrator.ts';
export {
  SERVICE_ROLES,
  SERVICE_GROUP_ROLE,
  DATABASE_ROLES,
  type ServiceName,
  type ServiceRole,
  type DatabaseRole,
} from './roles.ts';
export { CORE_TABLES, coreColumns, coreViewColumns, type CoreTables, type CoreViews } from './tables/core.ts';
export * from './tables/enums.ts';
export type * from './tables/column-types.ts';
export type * from './tables/identity.ts';
export type * from './tables/inventory.ts';
export type * from './tables/costs.ts';
export type * from './tables/recommendations.ts';
export type * from './tables/actions.ts';
export type * from './tables/automation.ts';
export type * from './tables/audit.ts';
export type * from './tables/terraform.ts';
export type * from './tables/event-backbone.ts';
export { eventBackboneColumns } from './tables/event-backbone.ts';
export * from './tables/api-tokens.ts';
export {
  costStoreColumns,
  type BudgetAlertFiringsTable,
  type CostImportProgressTable,
  type CostImportStatus,
  type CostResourceRollupsTable,
  type CostRollupsTable,
  type CostStoreTables,
  type CostTagRollupsTable,
  type RollupGranularity,
} from './tables/cost-store.ts';
export {
  COST_IMPORT_STATUSES,
  ingestionColumns,
  type CostImportError,
  type CostImportOutcome,
  type CostImportsTable,
  type ImportBreakdown,
  type ImportBreakdownEntry,
  type ImportTally,
  type IngestionTables,
  type RefusalGroup,
} from './tables/ingestion.ts';
export {
  notificationDeliveryColumns,
  type DeliveryChannel,
  type DeliveryStatus,
  type NotificationDeliveriesTable,
  type NotificationDeliveryTables,
  type WebhookSigningSecretsTable,
} from './tables/notification-deliveries.ts';
export { divideRounded, estimate, fromUnits, toUnits } from './amounts.ts';
