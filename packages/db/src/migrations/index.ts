import type { Migration } from 'kysely';
import * as foundation from './1763856000000-Foundation.ts';
import * as eventBackbone from './1763856000001-EventBackbone.ts';
import * as apiTokens from './1763856000002-ApiTokens.ts';
import * as ingestion from './1763856000003-Ingestion.ts';
import * as costStore from './1763856000004-CostStore.ts';
import * as leanerWrites from './1763856000005-LeanerWrites.ts';
import * as outboxChunks from './1763856000006-OutboxChunks.ts';
import * as costDataFactTable from './1763856000007-CostDataFactTable.ts';
import * as inventoryIndexes from './1763856000008-InventoryIndexes.ts';
import * as notificationDeliveries from './1763856000009-NotificationDeliveries.ts';
import * as sealedSigningSecrets from './1763856000010-SealedSigningSecrets.ts';
import * as durableWork from './1763856000020-DurableWork.ts';
import * as credentialsForActionExecutor from './1763856000021-CredentialsForActionExecutor.ts';
import * as updatedAtTriggers from './1763856000040-UpdatedAtTriggers.ts';
import * as actionTypes from './1763856000041-ActionTypes.ts';
import * as recommendationLifecycle from './1763856000060-RecommendationLifecycle.ts';
import * as amountPrecision from './1763856000070-AmountPrecision.ts';
import * as costImportOutcome from './1763856000071-CostImportOutcome.ts';
import * as simCloud from './1763856000080-SimCloud.ts';
import * as actionPolicyAndApprovals from './1763856000085-ActionPolicyAndApprovals.ts';
import * as auditChain from './1763856000090-AuditChain.ts';
import * as costEstimatedDays from './1763856000100-CostEstimatedDays.ts';
import * as realizedSavings from './1763856000105-RealizedSavings.ts';
import * as automationRuleRuns from './1763856000110-AutomationRuleRuns.ts';
import * as resourceStateChanges from './1763856000115-ResourceStateChanges.ts';
import * as schedules from './1763856000116-Schedules.ts';
import * as workflowExecutions from './1763856000117-WorkflowExecutions.ts';
import * as consoleSignIn from './1763856000120-ConsoleSignIn.ts';
import * as notificationPreferences from './1763856000125-NotificationPreferences.ts';
import * as billingImports from './1763856000126-BillingImports.ts';
import * as terraformStates from './1763856000130-TerraformStates.ts';
import * as teamAccess from './1763856000135-TeamAccess.ts';
import * as resourceGroups from './1763856000136-ResourceGroups.ts';
import * as costArchives from './1763856000140-CostArchives.ts';
import * as reports from './1763856000145-Reports.ts';
import * as unassignedCosts from './1763856000155-UnassignedCosts.ts';
import * as teamAccessForLaterTables from './1763856000156-TeamAccessForLaterTables.ts';
import * as terraformObjectBackends from './1763856000160-TerraformObjectBackends.ts';
import * as terraformAzurermBackend from './1763856000170-TerraformAzurermBackend.ts';
import * as organisationWideData from './1763856000190-OrganisationWideData.ts';
import * as leanerActionWrites from './1763856000195-LeanerActionWrites.ts';
import * as outboxEventsView from './1763856000200-OutboxEventsView.ts';

/**
 * Every migration in order. Names are `<epochMs>-<PascalName>`; a migration that has run in any
 * environment is never edited, only followed by a new one.
 */
export const migrations: Record<string, Migration> = {
  '1763856000000-Foundation': foundation,
  '1763856000001-EventBackbone': eventBackbone,
  '1763856000002-ApiTokens': apiTokens,
  '1763856000003-Ingestion': ingestion,
  '1763856000004-CostStore': costStore,
  '1763856000005-LeanerWrites': leanerWrites,
  '1763856000006-OutboxChunks': outboxChunks,
  '1763856000007-CostDataFactTable': costDataFactTable,
  '1763856000008-InventoryIndexes': inventoryIndexes,
  '1763856000009-NotificationDeliveries': notificationDeliveries,
  '1763856000010-SealedSigningSecrets': sealedSigningSecrets,
  '1763856000020-DurableWork': durableWork,
  '1763856000021-CredentialsForActionExecutor': credentialsForActionExecutor,
  '1763856000040-UpdatedAtTriggers': updatedAtTriggers,
  '1763856000041-ActionTypes': actionTypes,
  '1763856000060-RecommendationLifecycle': recommendationLifecycle,
  '1763856000070-AmountPrecision': amountPrecision,
  '1763856000071-CostImportOutcome': costImportOutcome,
  '1763856000080-SimCloud': simCloud,
  '1763856000085-ActionPolicyAndApprovals': actionPolicyAndApprovals,
  '1763856000090-AuditChain': auditChain,
  '1763856000100-CostEstimatedDays': costEstimatedDays,
  '1763856000105-RealizedSavings': realizedSavings,
  '1763856000110-AutomationRuleRuns': automationRuleRuns,
  '1763856000115-ResourceStateChanges': resourceStateChanges,
  '1763856000116-Schedules': schedules,
  '1763856000117-WorkflowExecutions': workflowExecutions,
  '1763856000120-ConsoleSignIn': consoleSignIn,
  '1763856000125-NotificationPreferences': notificationPreferences,
  '1763856000126-BillingImports': billingImports,
  '1763856000130-TerraformStates': terraformStates,
  '1763856000135-TeamAccess': teamAccess,
  '1763856000136-ResourceGroups': resourceGroups,
  '1763856000140-CostArchives': costArchives,
  '1763856000145-Reports': reports,
  '1763856000155-UnassignedCosts': unassignedCosts,
  '1763856000156-TeamAccessForLaterTables': teamAccessForLaterTables,
  '1763856000160-TerraformObjectBackends': terraformObjectBackends,
  '1763856000170-TerraformAzurermBackend': terraformAzurermBackend,
  '1763856000190-OrganisationWideData': organisationWideData,
  '1763856000195-LeanerActionWrites': leanerActionWrites,
  '1763856000200-OutboxEventsView': outboxEventsView,
};
