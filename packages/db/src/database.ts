import type { ActionPolicyTables } from './tables/action-policy.ts';
import type { ScheduleTables } from './tables/schedules.ts';
import type { ApiTokenTables } from './tables/api-tokens.ts';
import type { CoreTables, CoreViews } from './tables/core.ts';
import type { EventBackboneTables } from './tables/event-backbone.ts';
import type { CostStoreTables } from './tables/cost-store.ts';
import type { IngestionTables } from './tables/ingestion.ts';
import type { NotificationDeliveryTables } from './tables/notification-deliveries.ts';
import type { RealizedSavingsTables } from './tables/realized-savings.ts';
import type { RecommendationHistoryTables } from './tables/recommendations.ts';
import type { AuditChainTables } from './tables/audit-chain.ts';
import type { ConsoleTables } from './tables/console.ts';
import type { ReportTables } from './tables/reports.ts';
import type { TerraformResourceTables } from './tables/terraform.ts';

/** The Kysely interface of the whole schema: one entry per table (and view) of every migration. */
export interface Database extends CoreTables, CoreViews, EventBackboneTables, ApiTokenTables, IngestionTables, CostStoreTables, NotificationDeliveryTables, RecommendationHistoryTables, RealizedSavingsTables, ActionPolicyTables, AuditChainTables, ScheduleTables, ConsoleTables, TerraformResourceTables, ReportTables {}
