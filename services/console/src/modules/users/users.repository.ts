import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, StratusRole, UserStatus } from '@stratus/db';

type Trx = Transaction<Database>;

export interface LoginCandidate {
  user_id: string;
  organization_id: string;
  password_hash: string | null;
  status: UserStatus;
}

/** The user with this email in any organisation: before sign-in no tenant is known (see ConsoleSignIn). */
export async function findLoginCandidate(db: Kysely<Database>, email: string): Promise<LoginCandidate | undefined> {
  const { rows } = await sql<LoginCandidate>`
    select user_id, organization_id, password_hash, status from stratus_console_find_user(${email})
  `.execute(db);
  return rows[0];
}

export interface Profile {
  user: { id: string; email: string; name: string; role: StratusRole; mfa_enabled: boolean };
  organization: { id: string; name: string };
  status: UserStatus;
}

export async function profileOf(trx: Trx, userId: string): Promise<Profile | undefined> {
  const row = await trx
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.organization_id')
    .select([
      'users.id',
      'users.email',
      'users.name',
      'users.role',
      'users.mfa_enabled',
      'users.status',
      'organizations.id as organization_id',
      'organizations.name as organization_name',
    ])
    .where('users.id', '=', userId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    user: { id: row.id, email: row.email, name: row.name, role: row.role, mfa_enabled: row.mfa_enabled },
    organization: { id: row.organization_id, name: row.organization_name },
    status: row.status,
  };
}

export async function recordLogin(trx: Trx, userId: string): Promise<void> {
  await trx.updateTable('users').set({ last_login: new Date() }).where('id', '=', userId).execute();
}

export function listUsers(trx: Trx) {
  return trx
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'status', 'mfa_enabled', 'last_login'])
    .orderBy('email')
    .execute();
}

export interface UserChanges {
  role?: StratusRole;
  status?: UserStatus;
}

/** The user's role and status before and after the change; undefined when no such user in the tenant. */
export async function updateUser(trx: Trx, userId: string, changes: UserChanges) {
  const before = await trx.selectFrom('users').select(['role', 'status']).where('id', '=', userId).forUpdate().executeTakeFirst();
  if (!before) return undefined;
  const after = await trx
    .updateTable('users')
    .set(changes)
    .where('id', '=', userId)
    .returning(['id', 'email', 'name', 'role', 'status', 'mfa_enabled', 'last_login'])
    .executeTakeFirstOrThrow();
  return { before, after };
}

export async function setPassword(trx: Trx, userId: string, passwordHash: string): Promise<void> {
  await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}
