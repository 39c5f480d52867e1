import { PERMISSION_NAMES, type PermissionName, type StratusRole } from '@stratus/db';

const reads = PERMISSION_NAMES.filter((name) => name.endsWith(':read'));

/**
 * What each role may do in a new organisation; bootstrapOrganization copies it into
 * role_permissions, where an organisation may later change it. Permissions added to the
 * catalogue later reach existing organisations only through the migration that adds them.
 */
export const DEFAULT_ROLE_PERMISSIONS: Readonly<Record<StratusRole, readonly PermissionName[]>> = {
  admin: PERMISSION_NAMES,
  operator: [
    ...reads,
    'cloud_accounts:write',
    'resources:write',
    'budgets:write',
    'recommendations:write',
    'actions:write',
    'automation_rules:write',
    'actions:execute',
  ],
  // Tokens are credentials: even listing them is for admins (and operators, who read everything).
  viewer: reads.filter((name) => name !== 'tokens:read'),
};
