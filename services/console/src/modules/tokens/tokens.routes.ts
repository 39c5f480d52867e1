import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiToken, revokeApiToken } from '@stratus/auth';
import { STRATUS_ROLES, rowSchema, withTenant } from '@stratus/db';
import { errorSchema } from '@stratus/http';
import { SESSION_TOKEN_NAME } from '../session/login.service.ts';
import { refuse, requireAdmin, type ConsoleContext } from '../session/session.plugin.ts';
import { csrfNote } from '../session/session.routes.ts';

const tags = ['tokens'];
const LISTED = 200;
const LISTED_COLUMNS = ['id', 'name', 'token_prefix', 'role', 'user_id', 'created_at', 'last_used_at', 'expires_at', 'revoked_at'] as const;

const tokenSchema = rowSchema('api_tokens', {
  id: z.uuid(),
  name: z.string(),
  token_prefix: z.string().describe('the first characters of the token, to recognise it; never enough to use it'),
  role: z.enum(STRATUS_ROLES),
  user_id: z.uuid().describe('who created it: the token acts as them, with its own role'),
  created_at: z.date(),
  last_used_at: z.date().nullable(),
  expires_at: z.date().nullable(),
  revoked_at: z.date().nullable(),
});

const name = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(200)
  .refine((value) => value !== SESSION_TOKEN_NAME, { error: `name "${SESSION_TOKEN_NAME}" is kept for the console's own sessions: choose another` });

/**
 * API tokens for machines (CI, scripts, other services), managed by admins in the console as the
 * CLI does (`stratus token create|revoke`). People use sessions: their sessions' tokens are not listed.
 */
export const tokensRoutes: FastifyPluginAsyncZod<{ context: ConsoleContext }> = async (app, { context }) => {
  const admin = requireAdmin(context, 'manage API tokens');
  const config = { public: true } as const;

  app.get(
    '/tokens',
    {
      config,
      preHandler: admin,
      schema: {
        summary: "The organisation's API tokens for machines, newest first, revoked and expired ones included (admins only)",
        tags,
        response: { 200: z.object({ data: z.array(tokenSchema) }), 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      const session = request.consoleSession!;
      const data = await withTenant(context.db, session.organization_id, (trx) =>
        trx
          .selectFrom('api_tokens')
          .select(LISTED_COLUMNS)
          .where('name', '!=', SESSION_TOKEN_NAME)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(LISTED)
          .execute(),
      );
      return { data };
    },
  );

  app.post(
    '/tokens',
    {
      config,
      preHandler: admin,
      schema: {
        summary: 'Create an API token for a machine (admins only): the token is in this answer, once',
        description: `${csrfNote} Only its hash is stored: copy it now. It acts as the admin who created it, with the role given.`,
        tags,
        body: z.object({
          name,
          role: z.enum(STRATUS_ROLES, { error: `role must be one of ${STRATUS_ROLES.join(', ')}` }),
          expires_in_days: z.int().min(1).max(3_650).optional().describe('never expires when absent'),
        }),
        response: {
          201: rowSchema('api_tokens', {
            id: z.uuid(),
            token: z.string().describe('the token itself: shown here once, only its hash is kept'),
            token_prefix: z.string(),
            role: z.enum(STRATUS_ROLES),
            expires_at: z.date().nullable(),
          }),
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const session = request.consoleSession!;
      const { name: tokenName, role, expires_in_days } = request.body;
      const issued = await withTenant(context.db, session.organization_id, async (trx) => {
        const token = await createApiToken(trx, {
          organizationId: session.organization_id,
          userId: session.user_id,
          role,
          name: tokenName,
          ...(expires_in_days === undefined ? {} : { expiresInDays: expires_in_days }),
        });
        await context.outbox.publish(trx, 'api_token.created', {
          tenant: session.organization_id,
          data: { token_id: token.id, user_id: session.user_id, name: tokenName, role, expires_at: token.expiresAt?.toISOString() ?? null },
        });
        return token;
      });
      return reply.status(201).send({ id: issued.id, token: issued.token, token_prefix: issued.prefix, role: issued.role, expires_at: issued.expiresAt });
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config,
      preHandler: admin,
      schema: {
        summary: 'Revoke an API token (admins only): nothing authenticates with it any more',
        description: `${csrfNote} Revoking a revoked token answers it again, unchanged.`,
        tags,
        params: z.object({ id: z.uuid({ error: 'id must be a UUID' }) }),
        response: { 200: tokenSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const session = request.consoleSession!;
      const { id } = request.params;
      const revoked = await withTenant(context.db, session.organization_id, async (trx) => {
        const token = await trx
          .selectFrom('api_tokens')
          .select(['id', 'name', 'revoked_at'])
          .where('id', '=', id)
          .where('name', '!=', SESSION_TOKEN_NAME)
          .executeTakeFirst();
        if (!token) return undefined;
        if (token.revoked_at === null) {
          await revokeApiToken(trx, id);
          await context.outbox.publish(trx, 'api_token.revoked', { tenant: session.organization_id, data: { token_id: id, user_id: session.user_id, name: token.name } });
        }
        return trx
          .selectFrom('api_tokens')
          .select(LISTED_COLUMNS)
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
      });
      if (!revoked) return refuse(reply, 404, 'not_found', `no API token ${id} in this organisation`);
      return revoked;
    },
  );
};
