import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { grantAccount, listAccountGrants, revokeAccountGrant } from '@stratus/auth';
import { TEAM_ACCESS_LEVELS, rowSchema, teamAllows, type Database } from '@stratus/db';
import type { Transaction } from 'kysely';
import type { Outbox } from '@stratus/events';
import { AppError } from '@stratus/http';
import { getCloudAccount } from './cloud-accounts.service.ts';

const tags = ['cloud-accounts'];

const grantSchema = rowSchema('cloud_account_teams', {
  team_id: z.uuid(),
  team_name: z.string(),
  access_level: z.enum(TEAM_ACCESS_LEVELS),
  created_at: z.date(),
});

const grantParams = z.object({ id: z.uuid(), team_id: z.uuid() });

const levels = TEAM_ACCESS_LEVELS.join(', ');

/**
 * 404 for an account the caller cannot see, 403 for one they see without admin access. The team
 * policies refuse the write regardless; this says why instead of a silent no-op.
 */
async function requireAdminAccess(trx: Transaction<Database>, id: string): Promise<void> {
  await getCloudAccount(trx, id);
  if (!(await teamAllows(trx, id, 'admin'))) throw new AppError('forbidden', `changing who reaches cloud account ${id} needs admin access to it`);
}

/**
 * Which teams reach an account, and how far: people who are not organisation admins see and act
 * on the accounts of their teams only (read: see; operate: act on resources; admin: change the
 * account and its grants), enforced by the database's team policies.
 */
export const accountTeamsRoutes: FastifyPluginAsyncZod<{ outbox: Outbox }> = async (app, { outbox }) => {
  app.get(
    '/cloud-accounts/:id/teams',
    {
      config: { permission: 'cloud_accounts:read' },
      schema: { summary: 'The teams a cloud account is granted to, with their access level', tags, params: z.object({ id: z.uuid() }), response: { 200: z.object({ data: z.array(grantSchema) }) } },
    },
    async (request) =>
      request.withTenant(async (trx) => {
        await getCloudAccount(trx, request.params.id);
        return { data: await listAccountGrants(trx, request.params.id) };
      }),
  );

  app.put(
    '/cloud-accounts/:id/teams/:team_id',
    {
      config: { permission: 'cloud_accounts:write' },
      schema: {
        summary: 'Grant a cloud account to a team, or change the level of its grant',
        description: `Levels: ${levels}; each includes the ones before it. Needs admin access to the account (organisation admins have it on every account): 403 otherwise.`,
        tags,
        params: grantParams,
        body: z.object({ access_level: z.enum(TEAM_ACCESS_LEVELS, { error: `access_level must be one of ${levels}` }) }),
        response: { 200: grantSchema },
      },
    },
    async (request) =>
      request.withTenant(async (trx) => {
        const { id, team_id } = request.params;
        await requireAdminAccess(trx, id);
        const team = await trx.selectFrom('teams').select('id').where('id', '=', team_id).executeTakeFirst();
        if (!team) throw new AppError('not_found', `no team ${team_id} in your organisation`);
        const { organizationId, userId } = request.auth;
        await grantAccount(trx, organizationId, id, team_id, request.body.access_level);
        await outbox.publish(trx, 'cloud_account.access_changed', {
          tenant: organizationId,
          data: { cloud_account_id: id, team_id, access_level: request.body.access_level, user_id: userId },
        });
        const grants = await listAccountGrants(trx, id);
        return grants.find((grant) => grant.team_id === team_id)!;
      }),
  );

  app.delete(
    '/cloud-accounts/:id/teams/:team_id',
    {
      config: { permission: 'cloud_accounts:write' },
      schema: { summary: "Revoke a team's access to a cloud account", tags, params: grantParams, response: { 204: z.null().describe('revoked') } },
    },
    async (request, reply) => {
      const { id, team_id } = request.params;
      const revoked = await request.withTenant(async (trx) => {
        await requireAdminAccess(trx, id);
        const found = await revokeAccountGrant(trx, request.auth.organizationId, id, team_id);
        if (found) {
          const { organizationId, userId } = request.auth;
          await outbox.publish(trx, 'cloud_account.access_changed', { tenant: organizationId, data: { cloud_account_id: id, team_id, access_level: null, user_id: userId } });
        }
        return found;
      });
      if (!revoked) throw new AppError('not_found', `cloud account ${id} is not granted to team ${team_id}`);
      return reply.status(204).send(null);
    },
  );
};
