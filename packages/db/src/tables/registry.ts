import type { Database } from '../database.ts';
import type { DatabaseRole, ServiceRole } from '../roles.ts';
import { actionPolicyColumns } from './action-policy.ts';
import { apiTokenColumns } from './api-tokens.ts';
import { auditChainColumns } from './audit-chain.ts';
import type { ColumnsOf } from './column-types.ts';
import { consoleColumns } from './console.ts';
import { coreColumns, coreViewColumns } from './core.ts';
import { costStoreColumns } from './cost-store.ts';
import { eventBackboneColumns } from './event-backbone.ts';
import { ingestionColumns } from './ingestion.ts';
import { notificationDeliveryColumns } from './notification-deliveries.ts';
import { realizedSavingsColumns } from './realized-savings.ts';
import { recommendationHistoryColumns } from './recommendations.ts';
import { reportColumns } from './reports.ts';
import { scheduleColumns } from './schedules.ts';
import { terraformResourceColumns } from './terraform.ts';

/**
 * The one registry of every table of `Database`: its columns (the ColumnsOf mirror) and its access
 * rules (row-level security, grants). Both are mapped over the table names of `Database`, so a
 * table added to the interface and not here does not compile; the guard tests compare the
 * registry with the migrated database's catalogue, so a table a migration creates and the registry
 * lacks, or one that breaks its rules, fails CI.
 */

export type ViewName = 'v_costs_aggregates' | 'event_outbox_events';
export type TableName = Exclude<keyof Database, ViewName>;
export type DatabaseTables = Pick<Database, TableName>;

export const TABLE_COLUMNS: ColumnsOf<DatabaseTables> = {
  ...coreColumns,
  ...eventBackboneColumns,
  ...apiTokenColumns,
  ...ingestionColumns,
  ...costStoreColumns,
  ...notificationDeliveryColumns,
  ...recommendationHistoryColumns,
  ...realizedSavingsColumns,
  ...reportColumns,
  ...actionPolicyColumns,
  ...auditChainColumns,
  ...scheduleColumns,
  ...consoleColumns,
  ...terraformResourceColumns,
};

export const TABLES = Object.keys(TABLE_COLUMNS) as TableName[];

/** Views' columns (PostgreSQL does not track a view column's nullability, so names only). */
export const VIEW_COLUMNS: { [View in ViewName]: { [Column in keyof Database[View]]: true } } = {
  ...coreViewColumns,
  event_outbox_events: {
    seq: true,
    position: true,
    id: true,
    producer: true,
    topic: true,
    key: true,
    type: true,
    version: true,
    envelope: true,
    headers: true,
    created_at: true,
    published_at: true,
    attempts: true,
    last_error: true,
  },
};

export type WritePrivilege = 'INSERT' | 'UPDATE' | 'DELETE';

export interface TableAccess {
  /** The tenant_isolation policy, or why the table has no row-level security (never a table with organization_id). */
  rowSecurity: 'tenant_isolation' | { exempt: string };
  /** Every service (through the stratus_service group) or only these roles: secrets are read by their users alone. */
  readers: 'every service' | readonly ServiceRole[];
  /** Who writes the table and how: its owning service (ARCHITECTURE.md's ownership table), or the group. */
  writers: Partial<Record<DatabaseRole, readonly WritePrivilege[]>>;
  /**
   * The restrictive team_* policies of the TeamAccess migration. account: rows belong to one cloud
   * account, which a person who is not an organisation admin reaches only through a team's grant.
   * organisation: organisation-wide automation, which only admins (and the CLI) change.
   * admins: what spans every account (reports, unassigned cost, billing-level imports), which only
   * admins (and the CLI and jobs) read or change.
   * subject: a trail whose entries about an account the person cannot see are hidden.
   */
  teamScoped?: 'account' | 'organisation' | 'admins' | 'subject';
}

const WRITE: readonly WritePrivilege[] = ['INSERT', 'UPDATE', 'DELETE'];

/** A tenant's table that one service writes and every service reads. */
const ownedBy = (role: ServiceRole): TableAccess => ({ rowSecurity: 'tenant_isolation', readers: 'every service', writers: { [role]: WRITE } });
/** A tenant's table that services only read (written by migrations, the CLI and @stratus/auth as the owner). */
const readOnly: TableAccess = { rowSecurity: 'tenant_isolation', readers: 'every service', writers: {} };
/** ownedBy, with rows of one cloud account that only its teams' members (and admins) reach. */
const teamScoped = (role: ServiceRole): TableAccess => ({ ...ownedBy(role), teamScoped: 'account' });
/** ownedBy, for automation across accounts that only admins change. */
const adminsChange = (role: ServiceRole): TableAccess => ({ ...ownedBy(role), teamScoped: 'organisation' });
/** ownedBy, for data across accounts that only admins read or change. */
const adminsOnly = (role: ServiceRole): TableAccess => ({ ...ownedBy(role), teamScoped: 'admins' });
/** A tenant's trail, appended to by the audit service and changed by nobody (triggers refuse even the owner). */
const appendOnly: TableAccess = { rowSecurity: 'tenant_isolation', readers: 'every service', writers: { stratus_audit: ['INSERT'] } };

export const TABLE_ACCESS: { readonly [Table in TableName]: TableAccess } = {
  organizations: readOnly,
  // People are invited, given roles and sign in through the console (the CLI, as the owner, too).
  users: { ...readOnly, writers: { stratus_console: ['INSERT', 'UPDATE'] } },
  // Teams are groups of people, so the console keeps them beside the users.
  teams: { ...readOnly, writers: { stratus_console: WRITE } },
  user_teams: { ...readOnly, writers: { stratus_console: WRITE } },
  role_permissions: readOnly,
  // The console mints a token for each session and revokes it at sign-out; the CLI, as the owner, the others.
  api_tokens: { ...readOnly, writers: { stratus_console: ['INSERT', 'UPDATE'] } },
  permissions: { rowSecurity: { exempt: 'the global permission catalogue: the same rows for every organisation' }, readers: 'every service', writers: {} },

  cloud_accounts: teamScoped('stratus_ingestion'),
  cloud_account_teams: teamScoped('stratus_ingestion'),
  // The ingestion service stores credentials; the action executor acts on the provider with them.
  cloud_credentials: { ...teamScoped('stratus_ingestion'), readers: ['stratus_ingestion', 'stratus_action_executor'] },
  resources: teamScoped('stratus_ingestion'),
  resource_groups: teamScoped('stratus_ingestion'),
  resource_group_memberships: teamScoped('stratus_ingestion'),
  tags: teamScoped('stratus_ingestion'),
  cost_imports: teamScoped('stratus_ingestion'),
  billing_imports: adminsOnly('stratus_ingestion'),
  cost_import_settings: adminsChange('stratus_ingestion'),
  unassigned_costs: adminsOnly('stratus_ingestion'),
  // The raw state in terraform_states is sealed; what every service reads is terraform_resources.
  terraform_states: teamScoped('stratus_ingestion'),
  terraform_modules: ownedBy('stratus_ingestion'),
  terraform_resources: teamScoped('stratus_ingestion'),

  cost_data: teamScoped('stratus_cost'),
  costs_breakdown: ownedBy('stratus_cost'),
  budgets: ownedBy('stratus_cost'),
  budget_alerts: ownedBy('stratus_cost'),
  budget_alert_firings: ownedBy('stratus_cost'),
  cost_import_progress: teamScoped('stratus_cost'),
  cost_rollups: teamScoped('stratus_cost'),
  cost_tag_rollups: teamScoped('stratus_cost'),
  cost_resource_rollups: teamScoped('stratus_cost'),
  cost_estimated_days: teamScoped('stratus_cost'),
  cost_archives: ownedBy('stratus_cost'),
  // A report renders the whole organisation: only sessions nobody restricts change or run one.
  reports: adminsOnly('stratus_cost'),
  report_runs: adminsOnly('stratus_cost'),

  recommendations: teamScoped('stratus_recommendation'),
  recommendation_actions: ownedBy('stratus_recommendation'),
  // Every change of a recommendation, kept: its service adds rows and never rewrites them.
  realized_savings: teamScoped('stratus_recommendation'),
  realized_savings_days: teamScoped('stratus_recommendation'),
  recommendation_history: { rowSecurity: 'tenant_isolation', readers: 'every service', writers: { stratus_recommendation: ['INSERT'] } },

  actions: teamScoped('stratus_action_executor'),
  action_history: teamScoped('stratus_action_executor'),
  approvals: teamScoped('stratus_action_executor'),
  workflows: adminsChange('stratus_action_executor'),
  workflow_executions: adminsChange('stratus_action_executor'),
  automation_rules: adminsChange('stratus_action_executor'),
  automation_rule_runs: adminsChange('stratus_action_executor'),
  operations: teamScoped('stratus_action_executor'),
  action_policies: adminsChange('stratus_action_executor'),
  approval_requests: teamScoped('stratus_action_executor'),
  schedules: adminsChange('stratus_action_executor'),

  notifications: ownedBy('stratus_audit'),
  notification_deliveries: ownedBy('stratus_audit'),
  webhook_signing_secrets: { ...ownedBy('stratus_audit'), readers: ['stratus_audit'] },
  notification_preferences: ownedBy('stratus_audit'),
  activity_log: { ...appendOnly, teamScoped: 'subject' },
  audit_logs: appendOnly,
  audit_checkpoints: appendOnly,

  // Second factors' sealed secrets and invitations' token hashes: read by the console alone.
  user_totp_secrets: { rowSecurity: 'tenant_isolation', readers: ['stratus_console'], writers: { stratus_console: WRITE } },
  user_invitations: { rowSecurity: 'tenant_isolation', readers: ['stratus_console'], writers: { stratus_console: WRITE } },

  event_outbox: {
    rowSecurity: { exempt: "every service's events in one queue, drained by each producer's relay, which serves all tenants" },
    readers: 'every service',
    writers: { stratus_service: WRITE },
  },
  processed_events: {
    rowSecurity: { exempt: "a consumer group's applied event ids, keyed by event id alone (ids are unique across tenants) and pruned by age for all of them at once" },
    readers: 'every service',
    writers: { stratus_service: ['INSERT', 'DELETE'] },
  },
};
