import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createTeam, deleteTeam, listTeams, removeTeamMember, setTeamMember, updateTeam } from '@stratus/auth';
import { TEAM_MEMBER_ROLES, rowSchema, withTenant, type Database } from '@stratus/db';
import type { EventDataInput } from '@stratus/events';
import { errorSchema } from '@stratus/http';
import type { Transaction } from 'kysely';
import { refuse, requireAdmin, requireSession, type ConsoleContext } from '../session/session.plugin.ts';
import { csrfNote } from '../session/session.routes.ts';

const tags = ['teams'];

const teamFields = {
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  created_at: z.date(),
};

const teamSchema = rowSchema('teams', teamFields);

const teamWithMembers = rowSchema('teams', {
  ...teamFields,
  members: z.array(rowSchema('user_teams', { user_id: z.uuid(), email: z.string(), role: z.enum(TEAM_MEMBER_ROLES) })),
});

const name = z.string().trim().min(1, 'name must not be empty').max(200);
const description = z.string().trim().max(2000);
const teamParams = z.object({ id: z.uuid({ error: 'id must be a UUID' }) });
const memberParams = teamParams.extend({ user_id: z.uuid({ error: 'user_id must be a UUID' }) });

/**
 * Teams of people (issue #18): cloud accounts are granted to teams (ingestion's
 * /v1/cloud-accounts/:id/teams), and a person who is not an admin reaches only their teams'
 * accounts. Everyone signed in lists the teams; admins change them.
 */
export const teamsRoutes: FastifyPluginAsyncZod<{ context: ConsoleContext }> = async (app, { context }) => {
  const admin = requireAdmin(context, 'manage teams');
  const config = { public: true } as const;
  const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

  /** Runs fn as the signed-in admin's organisation and records the change in the same transaction. */
  const change = <T>(organizationId: string, fn: (trx: Transaction<Database>) => Promise<{ result: T; event?: EventDataInput<'team.changed'> }>) =>
    withTenant(context.db, organizationId, async (trx) => {
      const { result, event } = await fn(trx);
      if (event) await context.outbox.publish(trx, 'team.changed', { tenant: organizationId, data: event });
      return result;
    });

  app.get(
    '/teams',
    {
      config,
      preHandler: requireSession(context),
      schema: { summary: "The organisation's teams and their members", tags, response: { 200: z.object({ data: z.array(teamWithMembers) }), 401: errorSchema } },
    },
    async (request) => {
      const { organization_id: organizationId } = request.consoleSession!;
      return { data: await withTenant(context.db, organizationId, (trx) => listTeams(trx, organizationId)) };
    },
  );

  app.post(
    '/teams',
    {
      config,
      preHandler: admin,
      schema: { summary: 'Create a team (admins only)', description: csrfNote, tags, body: z.object({ name, description: description.optional() }), response: { 201: teamSchema, ...errors } },
    },
    async (request, reply) => {
      const { organization_id: organizationId, user_id: userId } = request.consoleSession!;
      const team = await change(organizationId, async (trx) => {
        const created = await createTeam(trx, organizationId, request.body);
        return { result: created, ...(created && { event: { user_id: userId, team_id: created.id, change: 'created' as const, name: created.name } }) };
      });
      if (!team) return refuse(reply, 409, 'conflict', `a team named ${request.body.name} exists already`);
      return reply.code(201).send(team);
    },
  );

  app.patch(
    '/teams/:id',
    {
      config,
      preHandler: admin,
      schema: { summary: "Rename a team or change its description (admins only)", description: csrfNote, tags, params: teamParams, body: z.object({ name: name.optional(), description: description.nullable().optional() }), response: { 200: teamSchema, ...errors } },
    },
    async (request, reply) => {
      const { organization_id: organizationId, user_id: userId } = request.consoleSession!;
      const team = await change(organizationId, async (trx) => {
        const updated = await updateTeam(trx, organizationId, request.params.id, request.body);
        return { result: updated, ...(updated && { event: { user_id: userId, team_id: updated.id, change: 'updated' as const, name: updated.name } }) };
      });
      if (team === undefined) return refuse(reply, 404, 'not_found', `no team ${request.params.id} in this organisation`);
      if (team === null) return refuse(reply, 409, 'conflict', `a team named ${request.body.name} exists already`);
      return team;
    },
  );

  app.delete(
    '/teams/:id',
    {
      config,
      preHandler: admin,
      schema: { summary: 'Delete a team; its members lose the accounts it was granted (admins only)', description: csrfNote, tags, params: teamParams, response: { 204: z.null().describe('deleted'), ...errors } },
    },
    async (request, reply) => {
      const { organization_id: organizationId, user_id: userId } = request.consoleSession!;
      const team = await change(organizationId, async (trx) => {
        const deleted = await deleteTeam(trx, organizationId, request.params.id);
        return { result: deleted, ...(deleted && { event: { user_id: userId, team_id: deleted.id, change: 'deleted' as const, name: deleted.name } }) };
      });
      if (!team) return refuse(reply, 404, 'not_found', `no team ${request.params.id} in this organisation`);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/teams/:id/members/:user_id',
    {
      config,
      preHandler: admin,
      schema: {
        summary: "Add a user to a team, or change their role in it (admins only)",
        description: csrfNote,
        tags,
        params: memberParams,
        body: z.object({ role: z.enum(TEAM_MEMBER_ROLES, { error: `role must be one of ${TEAM_MEMBER_ROLES.join(', ')}` }).default('member') }),
        response: { 200: teamWithMembers, ...errors },
      },
    },
    async (request, reply) => {
      const { organization_id: organizationId, user_id: userId } = request.consoleSession!;
      const { id, user_id: member } = request.params;
      const team = await change(organizationId, async (trx) => {
        const found = await setTeamMember(trx, organizationId, id, member, request.body.role);
        if (!found) return { result: undefined };
        const event = { user_id: userId, team_id: id, change: 'member_set' as const, name: found.name, member_user_id: member, member_role: request.body.role };
        return { result: (await listTeams(trx, organizationId)).find((team) => team.id === id), event };
      });
      if (!team) return refuse(reply, 404, 'not_found', `no team ${id} or no user ${member} in this organisation`);
      return team;
    },
  );

  app.delete(
    '/teams/:id/members/:user_id',
    {
      config,
      preHandler: admin,
      schema: { summary: 'Remove a user from a team (admins only)', description: csrfNote, tags, params: memberParams, response: { 204: z.null().describe('removed'), ...errors } },
    },
    async (request, reply) => {
      const { organization_id: organizationId, user_id: userId } = request.consoleSession!;
      const { id, user_id: member } = request.params;
      const team = await change(organizationId, async (trx) => {
        const left = await removeTeamMember(trx, organizationId, id, member);
        return { result: left, ...(left && { event: { user_id: userId, team_id: id, change: 'member_removed' as const, name: left.name, member_user_id: member } }) };
      });
      if (!team) return refuse(reply, 404, 'not_found', `user ${member} is not a member of team ${id}`);
      return reply.code(204).send(null);
    },
  );
};
