import { z } from 'zod';
import type { Kysely } from 'kysely';
import { STRATUS_ROLES, type Database, type StratusRole } from '@stratus/db';
import { AppError } from '@stratus/http';
import { generateToken } from './token.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

const createTokenInput = z.object({
  organizationId: z.uuid({ error: 'organization id must be a UUID' }),
  userId: z.uuid({ error: 'user id must be a UUID' }),
  role: z.enum(STRATUS_ROLES, { error: `role must be one of ${STRATUS_ROLES.join(', ')}` }),
  name: z.string().trim().min(1, 'name must not be empty').max(200).default('api token'),
  expiresInDays: z.number().int().positive('expires in days must be a positive whole number').optional(),
  /** An exact expiry instead of whole days: the console's session tokens expire with their session. */
  expiresAt: z.date({ error: 'expires at must be a date' }).optional(),
}).refine((input) => input.expiresInDays === undefined || input.expiresAt === undefined, {
  error: 'give expires in days or expires at, not both',
});

export type CreateApiTokenInput = z.input<typeof createTokenInput>;

export interface IssuedApiToken {
  id: string;
  /** The plaintext token. Only its sha256 is stored: show it once, it cannot be recovered. */
  token: string;
  prefix: string;
  role: StratusRole;
  expiresAt: Date | null;
}

/** Parses input with a schema, turning failures into one AppError('invalid') naming each problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError('invalid', result.error.issues.map((issue) => issue.message).join('; '));
}

/**
 * Issues a token for a user of the organisation. Runs as the database owner (admin CLI) or inside
 * a transaction of the caller's tenant; either way the user must belong to the organisation.
 */
export async function createApiToken(db: Kysely<Database>, input: CreateApiTokenInput): Promise<IssuedApiToken> {
  const { organizationId, userId, role, name, expiresInDays, expiresAt } = parseInput(createTokenInput, input);
  const user = await db
    .selectFrom('users')
    .select('id')
    .where('id', '=', userId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  if (!user) {
    throw new AppError('not_found', `no user ${userId} in organisation ${organizationId}: check both ids (stratus bootstrap prints them)`);
  }
  const { token, prefix, hash } = generateToken();
  const created = await db
    .insertInto('api_tokens')
    .values({
      organization_id: organizationId,
      user_id: userId,
      name,
      token_prefix: prefix,
      token_hash: hash,
      role,
      expires_at: expiresAt ?? (expiresInDays === undefined ? null : new Date(Date.now() + expiresInDays * DAY_MS)),
    })
    .returning(['id', 'expires_at'])
    .executeTakeFirstOrThrow();
  return { id: created.id, token, prefix, role, expiresAt: created.expires_at };
}

/**
 * Revokes a token; revoking it again is a no-op that returns the first revocation time. Running
 * services stop accepting it once their identity cache entry expires (30 s by default).
 */
export async function revokeApiToken(db: Kysely<Database>, tokenId: string): Promise<{ id: string; revokedAt: Date }> {
  const id = parseInput(z.uuid({ error: 'token id must be a UUID' }), tokenId);
  const revoked = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(['id', 'revoked_at'])
    .executeTakeFirst();
  const row =
    revoked ?? (await db.selectFrom('api_tokens').select(['id', 'revoked_at']).where('id', '=', id).executeTakeFirst());
  if (!row?.revoked_at) throw new AppError('not_found', `no API token ${id}`);
  return { id: row.id, revokedAt: row.revoked_at };
}
