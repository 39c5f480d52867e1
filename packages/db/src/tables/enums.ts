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
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected'] as const;
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
