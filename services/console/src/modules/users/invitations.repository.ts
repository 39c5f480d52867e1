import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, StratusRole } from '@stratus/db';

type Trx = Transaction<Database>;

const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const hashOf = (token: string) => createHash('sha256').update(token).digest();

export async function createInvitation(
  trx: Trx,
  input: { organizationId: string; email: string; name: string; role: StratusRole; invitedBy: string },
): Promise<{ id: string; token: string; expires_at: Date }> {
  // Only the hash is stored: the link is shown once, to the admin who invites.
  const token = randomBytes(32).toString('base64url');
  const row = await trx
    .insertInto('user_invitations')
    .values({
      organization_id: input.organizationId,
      email: input.email,
      name: input.name,
      role: input.role,
      token_hash: hashOf(token),
      invited_by: input.invitedBy,
      expires_at: new Date(Date.now() + INVITATION_TTL_MS),
    })
    .returning(['id', 'expires_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, token, expires_at: row.expires_at };
}

/** The organisation of a live (unused, unexpired) invitation, found before its tenant is known. */
export async function findInvitation(db: Kysely<Database>, token: string): Promise<{ invitation_id: string; organization_id: string } | undefined> {
  const { rows } = await sql<{ invitation_id: string; organization_id: string }>`
    select invitation_id, organization_id from stratus_console_find_invitation(${hashOf(token)})
  `.execute(db);
  return rows[0];
}

/** Marks the invitation used (once: a concurrent acceptance finds it used) and returns what it grants. */
export async function takeInvitation(trx: Trx, invitationId: string) {
  return trx
    .updateTable('user_invitations')
    .set({ accepted_at: new Date() })
    .where('id', '=', invitationId)
    .where('accepted_at', 'is', null)
    .returning(['id', 'email', 'name', 'role'])
    .executeTakeFirst();
}
