/**
 * PostgreSQL roles the services run as (created NOLOGIN by the Foundation migration; the console's
 * by ConsoleSignIn). A service
 * logs in with any user that is a member of its role and passes the role to createDb, so
 * row-level security and the table grants apply even when the login user is a superuser.
 */
export const SERVICE_ROLES = {
  ingestion: 'stratus_ingestion',
  cost: 'stratus_cost',
  recommendation: 'stratus_recommendation',
  'action-executor': 'stratus_action_executor',
  audit: 'stratus_audit',
  console: 'stratus_console',
} as const;

export type ServiceName = keyof typeof SERVICE_ROLES;
export type ServiceRole = (typeof SERVICE_ROLES)[ServiceName];

/** The group every service role belongs to: read access to everything but cloud_credentials. */
export const SERVICE_GROUP_ROLE = 'stratus_service';

export type DatabaseRole = ServiceRole | typeof SERVICE_GROUP_ROLE;

export const DATABASE_ROLES: readonly DatabaseRole[] = [SERVICE_GROUP_ROLE, ...Object.values(SERVICE_ROLES)];
