import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Keyring } from '@stratus/vault';
import { saveSigningSecret } from './deliveries.repository.ts';
import { generateSigningSecret } from './webhook-signature.ts';

export const signingSecretRoutes: FastifyPluginAsyncZod<{ keyring: Keyring }> = async (app, { keyring }) => {
  app.post(
    '/webhook-signing-secret',
    {
      config: { permission: 'notifications:write' },
      schema: {
        summary: "Make a new webhook signing secret for the organisation (shown once)",
        description:
          "Every webhook notification carries Stratus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\"> keyed by " +
          'this secret (the whole string, as UTF-8). It is stored encrypted and returned only here: store it with the receiver. Calling again replaces ' +
          'it, and webhooks are signed with the new one from then on. Webhook deliveries fail until one exists.',
        tags: ['notifications'],
        response: {
          201: z.object({
            secret: z.string().describe('whsec_ and 43 characters; never shown again'),
            created_at: z.date(),
          }),
        },
      },
    },
    async (request, reply) => {
      const secret = generateSigningSecret();
      const { created_at } = await request.withTenant((trx) => saveSigningSecret(trx, keyring, request.auth.organizationId, secret));
      return reply.status(201).send({ secret, created_at });
    },
  );
};
