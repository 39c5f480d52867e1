import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newestFirst } from '@stratus/db';
import { AppError, decodeCursor, pageSchema, toPage } from '@stratus/http';
import { linkModules, moduleUsage } from './terraform.repository.ts';
import { idParams, moduleBody, moduleListQuery, moduleSchema, moduleUpdateBody, usageQuery, usageSchema } from './terraform.schemas.ts';

const tags = ['terraform'];
const COLUMNS = ['id', 'name', 'version', 'description', 'source_url', 'variables', 'created_at', 'updated_at'] as const;

const duplicate = (name: string | undefined, version: string | null | undefined) => (error: unknown) => {
  if ((error as { code?: string }).code === '23505') throw new AppError('conflict', `module ${name} ${version ?? '(unversioned)'} is registered`);
  throw error;
};

/**
 * The module registry. A state's instances link to the module of their call's name (module.<name>)
 * in the version the state's module_versions gives, so each change here links them again.
 */
export const terraformModulesRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/terraform/modules',
    { config: { permission: 'resources:write' }, schema: { summary: 'Register a module version', tags, body: moduleBody, response: { 201: moduleSchema } } },
    async (request, reply) => {
      const { variables, ...fields } = request.body;
      const row = await request.withTenant(async (trx) => {
        const inserted = await trx
          .insertInto('terraform_modules')
          .values({ ...fields, organization_id: request.auth.organizationId, variables: variables ? JSON.stringify(variables) : null })
          .returning(COLUMNS)
          .executeTakeFirstOrThrow()
          .catch(duplicate(fields.name, fields.version));
        await linkModules(trx);
        return inserted;
      });
      return reply.status(201).send(row);
    },
  );

  app.get(
    '/terraform/modules',
    { config: { permission: 'resources:read' }, schema: { summary: 'Registered modules, newest first', tags, querystring: moduleListQuery, response: { 200: pageSchema(moduleSchema) } } },
    async (request) => {
      const { limit, cursor, name } = request.query;
      const rows = await request.withTenant((trx) =>
        trx
          .selectFrom('terraform_modules')
          .select(COLUMNS)
          .$if(name !== undefined, (q) => q.where('name', '=', name!))
          .$call(newestFirst(decodeCursor(cursor), limit))
          .execute(),
      );
      return toPage(rows, limit);
    },
  );

  app.get(
    '/terraform/modules/usage',
    {
      config: { permission: 'resources:read' },
      schema: {
        summary: 'Which module versions are in use where',
        description: 'Per registered module version: the states and module paths whose resource instances it made, and how many.',
        tags,
        querystring: usageQuery,
        response: { 200: usageSchema },
      },
    },
    async (request) => ({ items: await request.withTenant((trx) => moduleUsage(trx, request.query.terraform_module_id)) }),
  );

  app.get(
    '/terraform/modules/:id',
    { config: { permission: 'resources:read' }, schema: { summary: 'One module version', tags, params: idParams, response: { 200: moduleSchema } } },
    async (request) => {
      const row = await request.withTenant((trx) => trx.selectFrom('terraform_modules').select(COLUMNS).where('id', '=', request.params.id).executeTakeFirst());
      if (!row) throw new AppError('not_found', `terraform module ${request.params.id} not found`);
      return row;
    },
  );

  app.patch(
    '/terraform/modules/:id',
    { config: { permission: 'resources:write' }, schema: { summary: 'Change a module version', tags, params: idParams, body: moduleUpdateBody, response: { 200: moduleSchema } } },
    async (request) => {
      const { variables, ...fields } = request.body;
      const set = { ...fields, ...(variables === undefined ? {} : { variables: variables === null ? null : JSON.stringify(variables) }) };
      return request.withTenant(async (trx) => {
        const query = Object.keys(set).length === 0
          ? trx.selectFrom('terraform_modules').select(COLUMNS).where('id', '=', request.params.id)
          : trx.updateTable('terraform_modules').set(set).where('id', '=', request.params.id).returning(COLUMNS);
        const row = await query.executeTakeFirst().catch(duplicate(fields.name, fields.version));
        if (!row) throw new AppError('not_found', `terraform module ${request.params.id} not found`);
        await linkModules(trx);
        return row;
      });
    },
  );

  app.delete(
    '/terraform/modules/:id',
    {
      config: { permission: 'resources:write' },
      schema: { summary: 'Remove a module version (its instances stay, unlinked)', tags, params: idParams, response: { 204: z.null().describe('deleted') } },
    },
    async (request, reply) => {
      await request.withTenant(async (trx) => {
        const deleted = await trx.deleteFrom('terraform_modules').where('id', '=', request.params.id).returning('id').executeTakeFirst();
        if (!deleted) throw new AppError('not_found', `terraform module ${request.params.id} not found`);
        await linkModules(trx);
      });
      return reply.status(204).send(null);
    },
  );
};
