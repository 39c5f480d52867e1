import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Transaction } from 'kysely';
import { rowSchema, type Database } from '@stratus/db';
import { AppError, text } from '@stratus/http';
import { MatchSyntaxError, parseMatch } from '@stratus/match';
import { getCloudAccount } from '../cloud-accounts/cloud-accounts.service.ts';
import {
  addMember,
  changeGroup,
  deleteGroup,
  findGroup,
  insertGroup,
  listGroups,
  listMembers,
  refreshExpressionGroups,
  removeMember,
} from './resource-groups.repository.ts';

const tags = ['resource-groups'];

const groupSchema = rowSchema('resource_groups', {
  id: z.uuid(),
  cloud_account_id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  match: z.string().nullable().describe('the match expression that sets the members; null: members set by hand'),
  members: z.coerce.number().int().describe('resources in the group'),
  created_at: z.date(),
  updated_at: z.date(),
});

const memberSchema = rowSchema('resources', {
  id: z.uuid(),
  provider_resource_id: z.string(),
  name: z.string().nullable(),
  type: z.string(),
  region: z.string().nullable(),
  state: z.string().nullable(),
  created_at: z.date().describe('when it joined the group'),
});

/** A match expression, refused with the parser's message (and where) when it does not parse. */
const matchText = text({ max: 2000 })
  .superRefine((value, ctx) => {
    try {
      parseMatch(value);
    } catch (error) {
      if (!(error instanceof MatchSyntaxError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  })
  .describe('the automation match language, e.g. "tag:team=web AND type=EC2"');

const name = text({ max: 200 }).trim().min(1);
const description = text({ max: 2000 });
const groupParams = z.object({ id: z.uuid() });
const memberParams = groupParams.extend({ resource_id: z.uuid() });

/**
 * Resource groups of a cloud account: members set by hand, or by a match expression that each sync
 * of the account (and each change of the expression) applies again.
 */
export const resourceGroupsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/resource-groups',
    {
      config: { permission: 'resources:read' },
      schema: { summary: 'Resource groups, of one cloud account or all', tags, querystring: z.object({ cloud_account_id: z.uuid().optional() }), response: { 200: z.object({ data: z.array(groupSchema) }) } },
    },
    async (request) => ({ data: await request.withTenant((trx) => listGroups(trx, request.query.cloud_account_id)) }),
  );

  app.post(
    '/resource-groups',
    {
      config: { permission: 'resources:write' },
      schema: {
        summary: 'Create a resource group of a cloud account',
        description: 'With match, its members are the resources of the account the expression matches, now and after each sync; without, they are set by hand.',
        tags,
        body: z.object({ cloud_account_id: z.uuid(), name, description: description.optional(), match: matchText.optional() }),
        response: { 201: groupSchema },
      },
    },
    async (request, reply) => {
      const { cloud_account_id, ...input } = request.body;
      const group = await request.withTenant(async (trx) => {
        await getCloudAccount(trx, cloud_account_id);
        const id = await insertGroup(trx, request.auth.organizationId, cloud_account_id, input);
        if (id === null) throw new AppError('conflict', `cloud account ${cloud_account_id} has a resource group named ${input.name} already`);
        await refreshExpressionGroups(trx, cloud_account_id, id);
        return findGroup(trx, id);
      });
      return reply.status(201).send(group!);
    },
  );

  app.get(
    '/resource-groups/:id',
    { config: { permission: 'resources:read' }, schema: { summary: 'One resource group', tags, params: groupParams, response: { 200: groupSchema } } },
    async (request) => {
      const group = await request.withTenant((trx) => findGroup(trx, request.params.id));
      if (!group) throw new AppError('not_found', `no resource group ${request.params.id}`);
      return group;
    },
  );

  app.patch(
    '/resource-groups/:id',
    {
      config: { permission: 'resources:write' },
      schema: {
        summary: 'Rename a resource group, or change its description or match expression',
        description: 'A new expression applies at once; match null turns it into a group set by hand (its members stay).',
        tags,
        params: groupParams,
        body: z.object({ name: name.optional(), description: description.nullable().optional(), match: matchText.nullable().optional() }),
        response: { 200: groupSchema },
      },
    },
    async (request) =>
      request.withTenant(async (trx) => {
        const group = await findGroup(trx, request.params.id);
        if (!group) throw new AppError('not_found', `no resource group ${request.params.id}`);
        if (!(await changeGroup(trx, group.id, request.body))) throw new AppError('conflict', `cloud account ${group.cloud_account_id} has a resource group named ${request.body.name} already`);
        await refreshExpressionGroups(trx, group.cloud_account_id, group.id);
        return (await findGroup(trx, group.id))!;
      }),
  );

  app.delete(
    '/resource-groups/:id',
    { config: { permission: 'resources:write' }, schema: { summary: 'Delete a resource group (its resources stay)', tags, params: groupParams, response: { 204: z.null().describe('deleted') } } },
    async (request, reply) => {
      if (!(await request.withTenant((trx) => deleteGroup(trx, request.params.id)))) throw new AppError('not_found', `no resource group ${request.params.id}`);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/resource-groups/:id/members',
    { config: { permission: 'resources:read' }, schema: { summary: "A resource group's resources", tags, params: groupParams, response: { 200: z.object({ data: z.array(memberSchema) }) } } },
    async (request) =>
      request.withTenant(async (trx) => {
        if (!(await findGroup(trx, request.params.id))) throw new AppError('not_found', `no resource group ${request.params.id}`);
        return { data: await listMembers(trx, request.params.id) };
      }),
  );

  /** The group, when its members are set by hand: an expression group's are the expression's. */
  const handSetGroup = async (trx: Transaction<Database>, id: string) => {
    const group = await findGroup(trx, id);
    if (!group) throw new AppError('not_found', `no resource group ${id}`);
    if (group.match !== null) throw new AppError('conflict', `resource group ${id} takes its members from its match expression: change the expression, or set it to null first`);
    return group;
  };

  app.put(
    '/resource-groups/:id/members/:resource_id',
    { config: { permission: 'resources:write' }, schema: { summary: 'Add a resource of its account to a group set by hand', tags, params: memberParams, response: { 204: z.null().describe('a member') } } },
    async (request, reply) => {
      await request.withTenant(async (trx) => {
        const group = await handSetGroup(trx, request.params.id);
        if (!(await addMember(trx, group, request.auth.organizationId, request.params.resource_id))) {
          throw new AppError('invalid', `params.resource_id: no resource ${request.params.resource_id} in cloud account ${group.cloud_account_id}`);
        }
      });
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/resource-groups/:id/members/:resource_id',
    { config: { permission: 'resources:write' }, schema: { summary: 'Remove a resource from a group set by hand', tags, params: memberParams, response: { 204: z.null().describe('removed') } } },
    async (request, reply) => {
      await request.withTenant(async (trx) => {
        await handSetGroup(trx, request.params.id);
        if (!(await removeMember(trx, request.params.id, request.params.resource_id))) throw new AppError('not_found', `resource ${request.params.resource_id} is not in group ${request.params.id}`);
      });
      return reply.status(204).send(null);
    },
  );
};
