export type { Database } from './database.ts';
export { createDb, type CreateDbOptions } from './create-db.ts';
export { lookUpByKey, teamAllows, teamRestricted, withTenant } from './tenant.ts';
export { groupCommit, groupCommitBy } from './group-commit.ts';
export { jsonRows } from './json-rows.ts';
export { prepared } from './prepared.ts';
export { probeEach, withoutPlanMethods, type PlanMethod } from './planner.ts';
export { keysetPage, newestFirst, type KeysetCursor, type KeysetOrder } from './keyset.ts';
export { managingInstances, RESOURCE_IS_INSTANCE, terraformMatches, type ManagingInstance } from './terraform-match.ts';
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
export { CORE_TABLES, type CoreTables, type CoreViews } from './tables/core.ts';
export {
  TABLES,
  TABLE_ACCESS,
  TABLE_COLUMNS,
  VIEW_COLUMNS,
  type DatabaseTables,
  type TableAccess,
  type TableName,
  type ViewName,
  type WritePrivilege,
} from './tables/registry.ts';
export * from './tables/enums.ts';
export type * from './tables/column-types.ts';
export type * from './tables/identity.ts';
export type * from './tables/inventory.ts';
export type * from './tables/costs.ts';
export type * from './tables/recommendations.ts';
export { recommendationHistoryColumns } from './tables/recommendations.ts';
export type * from './tables/realized-savings.ts';
export { realizedSavingsColumns } from './tables/realized-savings.ts';
export type * from './tables/reports.ts';
export { reportColumns } from './tables/reports.ts';
export type * from './tables/actions.ts';
export type * from './tables/action-policy.ts';
export type * from './tables/schedules.ts';
export type * from './tables/automation.ts';
export type * from './tables/audit.ts';
export type * from './tables/terraform.ts';
export type * from './tables/event-backbone.ts';
export * from './tables/api-tokens.ts';
export { USER_STATUSES, consoleColumns, type UserStatus, type ConsoleTables, type UserTotpSecretsTable, type UserInvitationsTable } from './tables/console.ts';
export {
  type BudgetAlertFiringsTable,
  type CostArchivesTable,
  type CostImportProgressTable,
  type CostResourceRollupsTable,
  type CostRollupsTable,
  type CostStoreTables,
  type CostTagRollupsTable,
} from './tables/cost-store.ts';
export {
  type CostImportError,
  type CostImportsTable,
  type ImportBreakdown,
  type ImportBreakdownEntry,
  type ImportTally,
  type IngestionTables,
  type RefusalGroup,
} from './tables/ingestion.ts';
export {
  type DeliveryChannel,
  type NotificationDeliveriesTable,
  type NotificationDeliveryTables,
  type WebhookSigningSecretsTable,
} from './tables/notification-deliveries.ts';
export type { AuditChainTables, AuditCheckpointsTable } from './tables/audit-chain.ts';
export * from './audit-chain.ts';
export { ROW_TABLE_KEY, rowSchema, rowSchemaProblems, type RowShape } from './row-schema.ts';
export { divideRounded, estimate, fromUnits, toUnits } from './amounts.ts';
