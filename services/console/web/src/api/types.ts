/** The shapes the console reads, as the services' OpenAPI documents give them (only the fields used). */
import type { ActionStatus, ActionType, AutomationRuleStatus, CloudProvider, RecommendationPriorityLevel, RecommendationStatus } from '@stratus/db/enums';
import type { StratusRole } from '@stratus/db/roles';

// The enums come from the schema's one source; these two subpaths hold no runtime code but the lists.
export { ACTION_STATUSES, ACTION_TYPES, CLOUD_PROVIDERS as PROVIDERS, RECOMMENDATION_DISMISS_REASONS as DISMISS_REASONS, RECOMMENDATION_STATUSES } from '@stratus/db/enums';
export { STRATUS_ROLES as ROLES } from '@stratus/db/roles';
export type { ActionStatus, ActionType, RecommendationStatus };
export type Provider = CloudProvider;
export type Role = StratusRole;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Me {
  user: { id: string; email: string; name: string | null; role: Role; mfa_enabled: boolean };
  organization: { id: string; name: string };
}

export interface ConsoleUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  status: string;
  mfa_enabled: boolean;
  last_login: string | null;
}

export interface CloudAccount {
  id: string;
  provider: Provider;
  name: string;
  account_id: string;
  adapter: string;
  status: string;
  last_sync: string | null;
  last_sync_error: string | null;
}

export interface Resource {
  id: string;
  cloud_account_id: string;
  provider: Provider;
  provider_resource_id: string;
  name: string | null;
  type: string;
  region: string | null;
  zone: string | null;
  state: string | null;
  tags: Record<string, string>;
  cost_daily: string;
  cost_monthly: string;
  metadata: Record<string, unknown>;
  discovered_at: string;
  last_seen: string;
}

export interface Aggregates {
  daily: number;
  monthly: number;
  delta_pct: number | null;
}

export interface BreakdownItem {
  period: string;
  group: Record<string, string | null>;
  currency: string;
  amount: string;
}

export interface Breakdown extends Page<BreakdownItem> {
  from: string;
  to: string;
  granularity: 'day' | 'month' | 'total';
  group_by: string[];
}

export interface TopCosts {
  by: string;
  items: Array<{ value: string | null; name: string | null; currency: string; amount: string }>;
}

export interface Budget {
  id: string;
  name: string;
  amount: string;
  currency: string;
  period: 'monthly' | 'quarterly' | 'yearly';
  start_date: string;
}

export interface BudgetAlert {
  id: string;
  threshold: number;
  threshold_type: 'actual' | 'forecast';
  last_fired_at: string | null;
}

export interface BudgetDetail extends Budget {
  current_period: { start: string; end: string; spend: string; forecast: string | null; percent_used: number | null; forecast_percent: number | null } | null;
  alerts: BudgetAlert[];
}


export interface Recommendation {
  id: string;
  cloud_account_id: string | null;
  resource_id: string | null;
  provider: Provider;
  recommendation_type: string;
  title: string;
  reason: string | null;
  status: RecommendationStatus;
  priority_level: RecommendationPriorityLevel;
  estimated_savings: string | null;
  currency: string | null;
  action: { type: string; parameters: Record<string, unknown> } | null;
  etag: string;
  snoozed_until: string | null;
}

export interface RecommendationSummary {
  by_type: Array<{ count: number; estimated_savings: string; currency: string; recommendation_type: string }>;
}


export interface Action {
  id: string;
  recommendation_id: string | null;
  action_type: ActionType;
  resource_id: string | null;
  status: ActionStatus;
  parameters: Record<string, unknown>;
  created_by: string | null;
  created_at: string;
}

export interface Approval {
  id: string;
  approver_id: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  requested_at: string;
  action_id: string;
  action_type: ActionType;
  resource_id: string | null;
  action_status: ActionStatus;
  quorum: number;
  expires_at: string;
}

export interface ApprovalRequest {
  action_id: string;
  digest: string;
  current_digest: string;
}

export interface FailedAction {
  action_id: string;
  action_type: ActionType;
  resource_id: string | null;
  attempts: number;
  error: { message: string; class: string; retryable: boolean } | null;
  failed_at: string;
}

export interface ActivityItem {
  id: string;
  actor: string | null;
  type: string;
  subject: string | null;
  summary: string;
  status: string | null;
  created_at: string;
}

export interface AuditVerification {
  rows: number;
  valid_rows: number;
  checkpoints: number;
  valid_checkpoints: number;
  valid: boolean;
  summary: string;
  problems: Array<{ kind: string; sequence: string; message: string }>;
}

export interface Notification {
  id: string;
  type: string;
  title: string;
  message: string;
  status: 'unread' | 'read';
  created_at: string;
}

export interface AutomationRule {
  id: string;
  name: string;
  match: string;
  action: ActionType;
  parameters: Record<string, unknown>;
  cron: string;
  timezone: string;
  status: AutomationRuleStatus;
  max_resources: number;
  next_runs: string[];
}

export interface RulePreview {
  match: string;
  count: number;
  items: Array<Pick<Resource, 'id' | 'cloud_account_id' | 'provider' | 'name' | 'type' | 'region' | 'state' | 'cost_monthly'>>;
  next_cursor: string | null;
}

export interface ApiToken {
  id: string;
  name: string;
  token_prefix: string;
  role: Role;
  user_id: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}
