import { sql, type Kysely } from 'kysely';
import { withTenant, type Database, type PermissionName, type StratusRole } from '@stratus/db';

/** Who is calling: attached to every authenticated request as `request.auth`. */
export interface AuthIdentity {
  tokenId: string;
  organizationId: string;
  userId: string;
  role: StratusRole;
  permissions: ReadonlySet<PermissionName>;
}

interface AuthenticatedToken {
  token_id: string;
  organization_id: string;
  user_id: string;
  role: StratusRole;
}

/** Whether the token with this sha256 still authenticates (its organisation, user and itself exist and are valid). */
export async function isStillValid(db: Kysely<Database>, tokenHash: Buffer): Promise<boolean> {
  const { rows } = await sql<{ token_id: string }>`select token_id from stratus_authenticate(${tokenHash})`.execute(db);
  return rows.length > 0;
}

/**
 * The identity of the token with this sha256, or undefined when the token is unknown, revoked or expired, or
 * its user is disabled. stratus_authenticate is the one way to find a token before the tenant is
 * known; the role's permissions are then read under that tenant's row-level security.
 */
export async function authenticate(db: Kysely<Database>, tokenHash: Buffer): Promise<AuthIdentity | undefined> {
  const { rows } = await sql<AuthenticatedToken>`
    select token_id, organization_id, user_id, role from stratus_authenticate(${tokenHash})
  `.execute(db);
  const found = rows[0];
  if (!found) return undefined;
  const permissions = await withTenant(db, found.organization_id, (trx) =>
    trx
      .selectFrom('role_permissions')
      .innerJoin('permissions', 'permissions.id', 'role_permissions.permission_id')
      .select('permissions.name')
      .where('role_permissions.role', '=', found.role)
      .execute(),
  );
  return {
    tokenId: found.token_id,
    organizationId: found.organization_id,
    userId: found.user_id,
    role: found.role,
    permissions: new Set(permissions.map((row) => row.name as PermissionName)),
  };
}
