import { z } from 'zod';
import { sql, type Kysely, type Transaction } from 'kysely';
import { STRATUS_ROLES, type Database } from '@stratus/db';
import { AppError } from '@stratus/http';
import { DEFAULT_ROLE_PERMISSIONS } from './permissions.ts';
import { createApiToken, parseInput, type IssuedApiToken } from './tokens.ts';

const bootstrapInput = z.object({
  organizationName: z.string().trim().min(1, 'organisation name must not be empty').max(200),
  adminEmail: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: (issue) => `${String(issue.input)} is not an email address` })),
  adminName: z.string().trim().min(1).max(200).optional(),
});

export type BootstrapInput = z.input<typeof bootstrapInput>;

export interface BootstrapResult {
  organization: { id: string; name: string };
  user: { id: string; email: string; name: string };
  /** An admin token; its plaintext exists only in this result. */
  token: IssuedApiToken;
}

const UNIQUE_VIOLATION = '23505';

/** Copies DEFAULT_ROLE_PERMISSIONS into the organisation's role_permissions. */
async function grantDefaultPermissions(trx: Transaction<Database>, organizationId: string): Promise<void> {
  const grants = STRATUS_ROLES.flatMap((role) => DEFAULT_ROLE_PERMISSIONS[role].map((permission) => ({ role, permission })));
  const { numAffectedRows } = await sql`
    insert into role_permissions (role, permission_id, organization_id)
    select grants.role, permissions.id, ${organizationId}::uuid
      from unnest(${grants.map((grant) => grant.role)}::text[], ${grants.map((grant) => grant.permission)}::text[])
           as grants (role, permission)
      join permissions on permissions.name = grants.permission
  `.execute(trx);
  if (Number(numAffectedRows) !== grants.length) {
    throw new Error(
      `the permissions table lacks ${grants.length - Number(numAffectedRows)} of the default grants: run \`stratus migrate\``,
    );
  }
}

/**
 * Creates an organisation with the default role permissions, its first user and an admin token,
 * all or nothing. Run as the database owner (the admin CLI): nobody is authenticated yet.
 */
export async function bootstrapOrganization(db: Kysely<Database>, input: BootstrapInput): Promise<BootstrapResult> {
  const { organizationName, adminEmail, adminName } = parseInput(bootstrapInput, input);
  return db.transaction().execute(async (trx) => {
    const organization = await trx
      .insertInto('organizations')
      .values({ name: organizationName })
      .returning(['id', 'name'])
      .executeTakeFirstOrThrow();
    await grantDefaultPermissions(trx, organization.id);
    const user = await trx
      .insertInto('users')
      .values({ organization_id: organization.id, email: adminEmail, name: adminName ?? adminEmail, role: 'admin' })
      .returning(['id', 'email', 'name'])
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
          throw new AppError('conflict', `a user with email ${adminEmail} already exists: use another email for the new organisation's admin`);
        }
        throw error;
      });
    const token = await createApiToken(trx, { organizationId: organization.id, userId: user.id, role: 'admin', name: 'bootstrap admin' });
    return { organization, user, token };
  });
}
