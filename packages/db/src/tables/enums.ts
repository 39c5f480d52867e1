import { USER_STATUSES } from './console.ts';

/**
 * Values of the PostgreSQL enum types created by the Foundation migration. The migration spells
 * them out itself (a migration never changes once run); a test checks these lists still match the
 * database, so a new value needs both a migration (`alter type ... add value`) and an entry here.
 */
export const CLOUD_PROVIDERS = ['AWS', 'AZURE', 'GCP'] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

/** Lifecycle of queued work: operations, recommendation actions, rule runs, workflow executions. */
export const OPERATION_STATUSES = ['queued', 'running', 'success', 'error', 'cancelled'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export const AUTOMATION_RULE_STATUSES = ['enabled', 'disabled'] as const;
export type AutomationRuleStatus = (typeof AUTOMATION_RULE_STATUSES)[number];

export const COST_GRANULARITIES = ['hourly', 'daily', 'monthly'] as const;
export type CostGranularity = (typeof COST_GRANULARITIES)[number];

export const BUDGET_PERIODS = ['monthly', 'quarterly', 'yearly'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export const ACTION_STATUSES = [
  'pending',
  'awaiting_approval',
  'approved',
  'rejected',
  'queued',
  'running',
  'success',
  'error',
  'cancelled',
  /** Nobody approved it before its approval request expired (migration ActionPolicyAndApprovals). */
  'expired',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** expired: the approver did not answer before the action's approval request expired. */
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * The recommendation lifecycle (migration RecommendationLifecycle), after GCP Recommender: open ->
 * claimed (an action was requested) -> succeeded | failed; dismissed (reason code and note) and
 * snoozed (until a date) are reopenable; resolved when the resource is gone or no longer matches;
 * expired when no evaluation confirmed it in time.
 */
export const RECOMMENDATION_STATUSES = ['open', 'claimed', 'succeeded', 'failed', 'dismissed', 'snoozed', 'resolved', 'expired'] as const;
export type RecommendationStatus = (typeof RECOMMENDATION_STATUSES)[number];
/** At most one live recommendation per subject and rule (a unique index); the others are history. */
export const LIVE_RECOMMENDATION_STATUSES = ['open', 'claimed', 'snoozed', 'dismissed'] as const satisfies readonly RecommendationStatus[];

/** Why a recommendation was dismissed (Trusted Advisor's reason codes). */
export const RECOMMENDATION_DISMISS_REASONS = [
  'non_critical_account',
  'temporary_account',
  'valid_business_case',
  'other_methods_available',
  'low_priority',
  'not_applicable',
  'other',
] as const;
export type RecommendationDismissReason = (typeof RECOMMENDATION_DISMISS_REASONS)[number];

/**
 * Recommendation priority, decided once: seed 000's integer (the `priority smallint` column, higher is
 * more important) on a three-step scale whose steps carry seed 002's names. The number is what is
 * stored, sorted on and published (`recommendation.created` v2); the names are how people say it.
 */
export const RECOMMENDATION_PRIORITIES = { low: 1, medium: 2, high: 3 } as const;
export type RecommendationPriorityLevel = keyof typeof RECOMMENDATION_PRIORITIES;
export type RecommendationPriority = (typeof RECOMMENDATION_PRIORITIES)[RecommendationPriorityLevel];

/**
 * What can be done to a resource: the `action_type` of actions (seed 002), the `operation` of
 * operations and the `action` of automation rules (seed 000: start/stop/scale), the adapters'
 * operation types and action events. Seed 000's `scale` is the word for changing a resource's size.
 */
export const ACTION_TYPES = ['start', 'stop', 'scale', 'snapshot', 'delete', 'tag'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/**
 * Values of text columns held by a check constraint (`check (column in (...))`) rather than an enum
 * type; a test compares each list with its constraint.
 */
export const COST_IMPORT_SOURCES = ['provider', 'file'] as const;
export type CostImportSource = (typeof COST_IMPORT_SOURCES)[number];

/**
 * running: the source is being read; applying: its batches are published and the cost store has
 * not answered yet; applied / refused: the cost store's answer (cost_import.applied / .refused);
 * failed: ingestion could not import it at all (not FOCUS, no valid row, a period refused up front).
 */
export const COST_IMPORT_STATUSES = ['running', 'applying', 'applied', 'refused', 'failed'] as const;
export type CostImportOutcome = (typeof COST_IMPORT_STATUSES)[number];

/**
 * billing_imports.status: running while the file is read; routed once every row went to its
 * account's import (or was refused), whose own statuses then tell what the cost store made of them;
 * failed: the file could not be imported at all.
 */
export const BILLING_IMPORT_STATUSES = ['running', 'routed', 'failed'] as const;
export type BillingImportStatus = (typeof BILLING_IMPORT_STATUSES)[number];

/**
 * What a billing-level import does with rows of a sub-account no cloud account is linked to: link
 * it as a billing-only account (no credentials, no discovery), keep them as unassigned cost
 * (reported and queryable, outside every account), or refuse them with the reason.
 */
export const UNLINKED_SUB_ACCOUNTS = ['link', 'unassigned', 'refuse'] as const;
export type UnlinkedSubAccounts = (typeof UNLINKED_SUB_ACCOUNTS)[number];

/** cost_import_progress.status: the cost service's side of an import. */
export const COST_IMPORT_PROGRESS_STATUSES = ['receiving', 'applied', 'abandoned', 'refused'] as const;
export type CostImportStatus = (typeof COST_IMPORT_PROGRESS_STATUSES)[number];

/**
 * cost_archives.status: writing while the month goes to the object store; archived once its
 * objects were read back and matched the lines (only then is the month dropped); restoring /
 * restored while and once its lines are back in the cost store.
 */
export const COST_ARCHIVE_STATUSES = ['writing', 'archived', 'restoring', 'restored'] as const;
export type CostArchiveStatus = (typeof COST_ARCHIVE_STATUSES)[number];

/**
 * What a scheduled report holds: spend grouped and filtered (cost_breakdown), spend per team or tag
 * value (showback, for chargeback), the open recommendations, or what acted ones saved.
 */
export const REPORT_TYPES = ['cost_breakdown', 'showback', 'open_recommendations', 'realized_savings'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const REPORT_RUN_STATUSES = ['running', 'succeeded', 'failed'] as const;
export type ReportRunStatus = (typeof REPORT_RUN_STATUSES)[number];

export const REPORT_RUN_TRIGGERS = ['schedule', 'manual'] as const;
export type ReportRunTrigger = (typeof REPORT_RUN_TRIGGERS)[number];

export const ROLLUP_GRANULARITIES = ['day', 'month'] as const;
export type RollupGranularity = (typeof ROLLUP_GRANULARITIES)[number];

export const BUDGET_THRESHOLD_TYPES = ['actual', 'forecast'] as const;
export type BudgetThresholdType = (typeof BUDGET_THRESHOLD_TYPES)[number];

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** measuring: too few days imported since the action; no_baseline: nothing imported before it to compare with. */
export const REALIZED_SAVINGS_STATUSES = ['measuring', 'measured', 'no_baseline'] as const;
export type RealizedSavingsStatus = (typeof REALIZED_SAVINGS_STATUSES)[number];

export const NOTIFICATION_STATUSES = ['unread', 'read'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** What a notification is about (`notifications.type`), and what a user's preferences are kept per. */
export const NOTIFICATION_TYPES = ['budget_alert', 'approval_requested', 'action_failed', 'recommendation_high_savings', 'workflow', 'report'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** How a workflow starts (seed 002's words): by hand, on a cron, or on an event. */
export const WORKFLOW_TRIGGER_TYPES = ['manual', 'scheduled', 'event-based'] as const;
export type WorkflowTriggerType = (typeof WORKFLOW_TRIGGER_TYPES)[number];

/** active (the seed's default): its triggers start executions; disabled: nothing starts it. */
export const WORKFLOW_STATUSES = ['active', 'disabled'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/** What a team may do on a cloud account granted to it; each level includes the ones before it. */
export const TEAM_ACCESS_LEVELS = ['read', 'operate', 'admin'] as const;
export type TeamAccessLevel = (typeof TEAM_ACCESS_LEVELS)[number];

/** A member's role in a team, as the team sees it; access comes from the team's grants, whatever the role. */
export const TEAM_MEMBER_ROLES = ['member', 'maintainer'] as const;
export type TeamMemberRole = (typeof TEAM_MEMBER_ROLES)[number];

/**
 * terraform_states.backend: upload (sent by a user or CI), http (Terraform's HTTP backend), s3
 * (Terraform's s3 backend, on any S3-compatible endpoint) and azurerm (Terraform's azurerm backend,
 * a blob in Azure Storage), the last three pulled on a schedule.
 */
export const TERRAFORM_BACKENDS = ['upload', 'http', 's3', 'azurerm'] as const;
export type TerraformBackend = (typeof TERRAFORM_BACKENDS)[number];

/** `table.column` -> values, for the columns above that a check constraint holds. */
export const CHECKED_VALUES = {
  'cost_imports.source': COST_IMPORT_SOURCES,
  'cost_imports.status': COST_IMPORT_STATUSES,
  'billing_imports.unlinked_sub_accounts': UNLINKED_SUB_ACCOUNTS,
  'cost_import_settings.unlinked_sub_accounts': UNLINKED_SUB_ACCOUNTS,
  'billing_imports.status': BILLING_IMPORT_STATUSES,
  'cost_import_progress.source': COST_IMPORT_SOURCES,
  'cost_import_progress.status': COST_IMPORT_PROGRESS_STATUSES,
  'cost_archives.status': COST_ARCHIVE_STATUSES,
  'reports.report_type': REPORT_TYPES,
  'report_runs.status': REPORT_RUN_STATUSES,
  'report_runs.trigger': REPORT_RUN_TRIGGERS,
  'cost_rollups.granularity': ROLLUP_GRANULARITIES,
  'cost_tag_rollups.granularity': ROLLUP_GRANULARITIES,
  'budget_alerts.threshold_type': BUDGET_THRESHOLD_TYPES,
  'notification_deliveries.status': DELIVERY_STATUSES,
  'notifications.status': NOTIFICATION_STATUSES,
  'notification_preferences.notification_type': NOTIFICATION_TYPES,
  'realized_savings.status': REALIZED_SAVINGS_STATUSES,
  'operations.operation': ACTION_TYPES,
  'actions.action_type': ACTION_TYPES,
  'automation_rules.action': ACTION_TYPES,
  'workflows.trigger_type': WORKFLOW_TRIGGER_TYPES,
  'workflows.status': WORKFLOW_STATUSES,
  'users.status': USER_STATUSES,
  'user_teams.role': TEAM_MEMBER_ROLES,
  'cloud_account_teams.access_level': TEAM_ACCESS_LEVELS,
  'terraform_states.backend': TERRAFORM_BACKENDS,
} as const;

/** PostgreSQL type name -> values, in declaration order (enum order is meaningful in sorting). */
export const ENUM_VALUES = {
  cloud_provider: CLOUD_PROVIDERS,
  operation_status: OPERATION_STATUSES,
  automation_rule_status: AUTOMATION_RULE_STATUSES,
  cost_granularity: COST_GRANULARITIES,
  budget_period: BUDGET_PERIODS,
  action_status: ACTION_STATUSES,
  approval_status: APPROVAL_STATUSES,
  recommendation_status: RECOMMENDATION_STATUSES,
} as const;
