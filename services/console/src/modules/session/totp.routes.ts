import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { withTenant } from '@stratus/db';
import { errorSchema } from '@stratus/http';
import { profileOf } from '../users/users.repository.ts';
import { refuse, requireSession, type ConsoleContext } from './session.plugin.ts';
import { csrfNote } from './session.routes.ts';
import { acceptTotpCode, newTotpSecret, totpCode } from './totp.ts';
import { savePendingTotpSecret, setTotpEnabled, totpSecretOf } from './totp.repository.ts';

const tags = ['session'];
const codeBody = z.object({ code: totpCode });

/** The signed-in person's TOTP second factor (RFC 6238): set up, confirmed by a code, turned off by a code. */
export const totpRoutes: FastifyPluginAsyncZod<{ context: ConsoleContext }> = async (app, { context }) => {
  const signedIn = requireSession(context);
  const usedCodes = `${context.redisPrefix}:console:totp-used`;

  app.post(
    '/totp/setup',
    {
      config: { public: true },
      preHandler: signedIn,
      schema: {
        summary: 'Start setting up a second factor: a new secret for the authenticator app (not on until confirmed)',
        description: `${csrfNote} The secret is shown here once and stored sealed; POST /auth/totp/enable with a code turns it on.`,
        tags,
        response: { 200: z.object({ secret: z.string(), otpauth_url: z.string() }), 401: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { user_id: userId, organization_id: organizationId } = request.consoleSession!;
      return withTenant(context.db, organizationId, async (trx) => {
        const profile = await profileOf(trx, userId);
        if (profile?.user.mfa_enabled) return refuse(reply, 409, 'conflict', 'the second factor is on already: turn it off first');
        const fresh = newTotpSecret(profile?.user.email ?? userId);
        await savePendingTotpSecret(trx, context.keyring, organizationId, userId, fresh.secret);
        return fresh;
      });
    },
  );

  for (const enabled of [true, false]) {
    app.post(
      enabled ? '/totp/enable' : '/totp/disable',
      {
        config: { public: true },
        preHandler: signedIn,
        schema: {
          summary: enabled ? 'Turn the second factor on with a code of the set-up secret' : 'Turn the second factor off with a current code',
          description: csrfNote,
          tags,
          body: codeBody,
          response: { 204: z.null(), 400: errorSchema, 401: errorSchema, 409: errorSchema },
        },
      },
      async (request, reply) => {
        const { user_id: userId, organization_id: organizationId } = request.consoleSession!;
        const stored = await withTenant(context.db, organizationId, (trx) => totpSecretOf(trx, context.keyring, organizationId, userId));
        if (!stored) return refuse(reply, 409, 'conflict', 'no second factor is set up: POST /auth/totp/setup first');
        if (stored.enabled === enabled) return refuse(reply, 409, 'conflict', `the second factor is ${enabled ? 'on' : 'off'} already`);
        if (!(await acceptTotpCode(context.redis, usedCodes, userId, stored.secret, request.body.code))) {
          return refuse(reply, 400, 'invalid_totp', 'wrong or already used authenticator code');
        }
        await withTenant(context.db, organizationId, async (trx) => {
          await setTotpEnabled(trx, userId, enabled);
          await context.outbox.publish(trx, 'user.updated', {
            tenant: organizationId,
            data: { user_id: userId, target_user_id: userId, mfa_enabled: { from: !enabled, to: enabled } },
          });
        });
        return reply.code(204).send(null);
      },
    );
  }
};
