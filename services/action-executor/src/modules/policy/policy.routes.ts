import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { policyDocument } from './policy.schema.ts';
import { readPolicy, writePolicy } from './policy.service.ts';

const tags = ['policy'];

// Not a rowSchema: the default policy is no row (no update time).
const policySchema = z.object({
  document: policyDocument,
  is_default: z.boolean(),
  updated_at: z.date().nullable(),
  updated_by: z.uuid().nullable(),
});

export const policyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/action-policy',
    {
      config: { permission: 'approvals:read' },
      schema: {
        summary: "The organisation's action policy: which actions need approval or are forbidden",
        description: 'Without a policy of its own an organisation gets the default (is_default): deleting needs approval.',
        tags,
        response: { 200: policySchema },
      },
    },
    async (request) => request.withTenant((trx) => readPolicy(trx, request.auth.organizationId)),
  );

  app.put(
    '/action-policy',
    {
      config: { permission: 'approvals:write' },
      schema: {
        summary: "Replaces the organisation's action policy",
        description:
          'Rules match on action type, resource tags, account, monthly cost, estimated savings, blast radius and whether a Terraform state manages the resource; the strictest matching rule wins (forbid, then require_approval). ' +
          'An action on a resource a Terraform state manages needs approval even when no rule matches (terraform_managed: true with forbid refuses it instead).',
        tags,
        body: policyDocument,
        response: { 200: policySchema },
      },
    },
    async (request) => request.withTenant((trx) => writePolicy(trx, request.auth.organizationId, request.body, request.auth.userId)),
  );
};
