import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { teamAllows } from '@stratus/db';
import { AppError, decodeCursor, pageSchema, toPage } from '@stratus/http';
import { outbox } from './action-events.ts';
import { getAction, listActions } from './actions.repository.ts';
import { PARAMETERS, actionDetailSchema, actionSchema, dryRunSchema, listQuery, requestBody } from './actions.schemas.ts';
import { dryRunActionRequest } from './requests.service.ts';

const tags = ['actions'];

export const actionsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/actions',
    {
      config: { permission: 'actions:write' },
      schema: {
        summary: 'Request an action on one resource (the inventory modal: start, stop, scale, snapshot, delete, tag)',
        description:
          'Publishes action.requested, the one path every request takes (recommendations and rules too): the executor records the action, asks the policy, and runs or holds it. With dry_run, answers the decision and the operations it would run, and nothing is recorded or queued.',
        tags,
        body: requestBody,
        response: { 202: z.object({ action_id: z.uuid() }), 200: dryRunSchema },
      },
    },
    async (request, reply) => {
      const { resource_id, action_type, dry_run } = request.body;
      const checked = PARAMETERS[action_type].safeParse(request.body.parameters);
      if (!checked.success) {
        throw new AppError('invalid', checked.error.issues.map((issue) => `body.parameters${issue.path.map((key) => `.${String(key)}`).join('')}: ${issue.message}`).join('; '));
      }
      const { organizationId, userId } = request.auth;
      const action = { organization_id: organizationId, action_id: randomUUID(), action_type, resource_id, parameters: checked.data, requested_by: userId, recommendation_id: null, requires_approval: false };
      if (dry_run) {
        const preview = await request.withTenant((trx) => dryRunActionRequest(trx, action));
        return reply.status(200).send({ dry_run: true as const, ...preview });
      }
      await request.withTenant(async (trx) => {
        const resource = await trx.selectFrom('resources').select(['id', 'cloud_account_id']).where('id', '=', resource_id).executeTakeFirst();
        if (!resource) throw new AppError('invalid', `body.resource_id: no resource ${resource_id} in your organisation's inventory`);
        if (!(await teamAllows(trx, resource.cloud_account_id, 'operate'))) {
          throw new AppError('forbidden', `acting on resource ${resource_id} needs operate access to its cloud account: ask an admin to grant it to one of your teams`);
        }
        await outbox.publish(trx, 'action.requested', {
          tenant: organizationId,
          data: { action_id: action.action_id, action_type, resource_id, parameters: checked.data, requested_by: userId, requires_approval: false },
        });
      });
      return reply.status(202).send({ action_id: action.action_id });
    },
  );

  app.get(
    '/actions',
    {
      config: { permission: 'actions:read' },
      schema: { summary: 'Actions, newest first', tags, querystring: listQuery, response: { 200: pageSchema(actionSchema) } },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const rows = await request.withTenant((trx) => listActions(trx, filters, { after: decodeCursor(cursor), limit }));
      return toPage(rows, limit);
    },
  );

  app.get(
    '/actions/:id',
    {
      config: { permission: 'actions:read' },
      schema: { summary: 'An action with its history and its operations (before/after, undo)', tags, params: z.object({ id: z.uuid() }), response: { 200: actionDetailSchema } },
    },
    async (request) => {
      const action = await request.withTenant((trx) => getAction(trx, request.params.id));
      if (!action) throw new AppError('not_found', `action ${request.params.id} not found`);
      return action;
    },
  );
};
