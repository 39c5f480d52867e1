import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { STRATUS_ROLES, rowSchema, withTenant } from '@stratus/db';
import { errorSchema } from '@stratus/http';
import { csrfTokenFor, CSRF_HEADER } from './csrf.ts';
import { clientOf, login } from './login.service.ts';
import { profileOf } from '../users/users.repository.ts';
import { refuse, requireSession, revokeSessionTokens, SESSION_COOKIE, sessionCookieOptions, setSessionCookie, type ConsoleContext } from './session.plugin.ts';
import { totpCode } from './totp.ts';

const tags = ['session'];
const publicRoute = { public: true } as const;

export const profileSchema = z.object({
  user: rowSchema('users', {
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(STRATUS_ROLES),
    mfa_enabled: z.boolean(),
  }),
  organization: rowSchema('organizations', { id: z.uuid(), name: z.string() }),
});

export const csrfNote = `Send the token of GET /auth/csrf in the ${CSRF_HEADER} header (403 csrf otherwise).`;

/**
 * People's sign-in. Every route is public to the runtime's bearer-token authentication: the
 * console authenticates people by their session cookie itself (requireSession).
 */
export const sessionRoutes: FastifyPluginAsyncZod<{ context: ConsoleContext }> = async (app, { context }) => {
  const signedIn = requireSession(context);

  app.get(
    '/csrf',
    {
      config: publicRoute,
      schema: {
        summary: 'A CSRF token for the unsafe requests of this browser (valid before and after sign-in)',
        tags,
        response: { 200: z.object({ token: z.string() }) },
      },
    },
    async (request, reply) => ({ token: csrfTokenFor(request, reply, { secure: context.secureCookies }) }),
  );

  app.post(
    '/login',
    {
      // Besides the failed sign-ins counted per email: each sign-in makes a session and its token.
      config: { ...publicRoute, rateLimit: 'strict' },
      schema: {
        summary: 'Sign in with email and password (and the TOTP code when the second factor is on)',
        description:
          `${csrfNote} 401 invalid_credentials for a wrong email or password, totp_required when a code is needed, ` +
          'invalid_totp for a wrong one; 429 with Retry-After after too many failures. Sets the stratus_session cookie.',
        tags,
        body: z.object({
          email: z.string().trim().min(1, 'email must not be empty').max(320),
          password: z.string().min(1, 'password must not be empty').max(256),
          totp_code: totpCode.optional(),
        }),
        response: { 200: profileSchema, 401: errorSchema, 429: errorSchema },
      },
    },
    async (request, reply) => {
      const outcome = await login(context, request, request.body);
      switch (outcome.kind) {
        case 'limited':
          reply.header('retry-after', String(outcome.retryAfterSeconds));
          return refuse(reply, 429, 'rate_limited', `too many failed sign-ins: retry in ${outcome.retryAfterSeconds} s`);
        case 'refused':
          return refuse(reply, 401, outcome.error, outcome.message);
        case 'signed_in': {
          // A session this browser held before ends: one browser, one session, one live token.
          const previous = request.cookies[SESSION_COOKIE];
          const ended = previous ? await context.sessions.destroy(previous) : undefined;
          if (ended) await revokeSessionTokens(context.db, [ended]);
          setSessionCookie(reply, context, outcome.sessionId);
          return { user: outcome.profile.user, organization: outcome.profile.organization };
        }
      }
    },
  );

  app.post(
    '/logout',
    {
      config: publicRoute,
      schema: { summary: "Sign out: the session ends and its API token is revoked", description: csrfNote, tags },
    },
    async (request, reply) => {
      const id = request.cookies[SESSION_COOKIE];
      const session = id ? await context.sessions.destroy(id) : undefined;
      if (session) {
        await revokeSessionTokens(context.db, [session]);
        await withTenant(context.db, session.organization_id, (trx) =>
          context.outbox.publish(trx, 'user.signed_out', {
            tenant: session.organization_id,
            data: { user_id: session.user_id, ...clientOf(request) },
          }),
        );
      }
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(context));
      return reply.code(204).send();
    },
  );

  app.get(
    '/me',
    {
      config: publicRoute,
      preHandler: signedIn,
      schema: { summary: 'Who is signed in, and their organisation', tags, response: { 200: profileSchema, 401: errorSchema } },
    },
    async (request, reply) => {
      const session = request.consoleSession!;
      const profile = await withTenant(context.db, session.organization_id, (trx) => profileOf(trx, session.user_id));
      if (!profile || profile.status !== 'active') {
        await revokeSessionTokens(context.db, await context.sessions.destroyAllOf(session.user_id));
        return refuse(reply, 401, 'unauthenticated', 'this user is disabled: the session ended');
      }
      return { user: profile.user, organization: profile.organization };
    },
  );
};
