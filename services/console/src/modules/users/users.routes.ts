import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hashPassword, password } from '@stratus/auth';
import { STRATUS_ROLES, USER_STATUSES, rowSchema, withTenant } from '@stratus/db';
import { errorSchema } from '@stratus/http';
import { startSession } from '../session/login.service.ts';
import { refuse, requireAdmin, revokeSessionTokens, setSessionCookie, type ConsoleContext } from '../session/session.plugin.ts';
import { csrfNote, profileSchema } from '../session/session.routes.ts';
import { createInvitation, findInvitation, takeInvitation } from './invitations.repository.ts';
import { listUsers, updateUser } from './users.repository.ts';

const tags = ['users'];
const UNIQUE_VIOLATION = '23505';

const userSchema = rowSchema('users', {
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: z.enum(STRATUS_ROLES),
  status: z.enum(USER_STATUSES),
  mfa_enabled: z.boolean(),
  last_login: z.date().nullable(),
});

// A plain format (not a transform) so the OpenAPI document says it; stored lower-case like users.email.
const email = z.email({ error: 'email must be an email address' }).max(320);
const name = z.string().trim().min(1, 'name must not be empty').max(200);

/** People of the organisation: admins list them, invite them and change their role or status. */
export const usersRoutes: FastifyPluginAsyncZod<{ context: ConsoleContext }> = async (app, { context }) => {
  const admin = requireAdmin(context, 'manage users');
  const config = { public: true } as const;

  app.get(
    '/users',
    {
      config,
      preHandler: admin,
      schema: { summary: "The organisation's users (admins only)", tags, response: { 200: z.object({ data: z.array(userSchema) }), 401: errorSchema, 403: errorSchema } },
    },
    async (request) => {
      const session = request.consoleSession!;
      return { data: await withTenant(context.db, session.organization_id, listUsers) };
    },
  );

  app.post(
    '/invitations',
    {
      config,
      preHandler: admin,
      schema: {
        summary: 'Invite a person with a role: a one-time link, valid 7 days (admins only)',
        description: `${csrfNote} The link is shown once; the token travels in its #fragment, so it reaches no server log.`,
        tags,
        body: z.object({ email, name, role: z.enum(STRATUS_ROLES, { error: `role must be one of ${STRATUS_ROLES.join(', ')}` }) }),
        response: { 201: z.object({ invitation_url: z.string(), expires_at: z.date() }), 401: errorSchema, 403: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const session = request.consoleSession!;
      const { organization_id: organizationId } = session;
      const invitee = { ...request.body, email: request.body.email.toLowerCase() };
      const invited = await withTenant(context.db, organizationId, async (trx) => {
        const existing = await trx.selectFrom('users').select('id').where('email', '=', invitee.email).executeTakeFirst();
        if (existing) return undefined;
        const invitation = await createInvitation(trx, { organizationId, ...invitee, invitedBy: session.user_id });
        await context.outbox.publish(trx, 'user.invited', {
          tenant: organizationId,
          data: {
            invitation_id: invitation.id,
            user_id: session.user_id,
            email: invitee.email,
            role: invitee.role,
            expires_at: invitation.expires_at.toISOString(),
          },
        });
        return invitation;
      });
      if (!invited) return refuse(reply, 409, 'conflict', `${invitee.email} is a user of this organisation already`);
      const url = new URL('/accept-invitation', context.publicUrl);
      url.hash = `token=${invited.token}`;
      return reply.code(201).send({ invitation_url: url.toString(), expires_at: invited.expires_at });
    },
  );

  app.post(
    '/invitations/accept',
    {
      // Makes a user, a session and its token, and tries a secret: as strict as sign-in.
      config: { ...config, rateLimit: 'strict' },
      schema: {
        summary: 'Accept an invitation: the user is made with the invited role and signed in',
        description: `${csrfNote} 404 when the token is unknown, used or expired.`,
        tags,
        body: z.object({ token: z.string().min(1, 'token must not be empty').max(200), name: name.optional(), password }),
        response: { 200: profileSchema, 404: errorSchema, 409: errorSchema, 429: errorSchema },
      },
    },
    async (request, reply) => {
      const found = await findInvitation(context.db, request.body.token);
      if (!found) return refuse(reply, 404, 'not_found', 'this invitation is unknown, used or expired: ask an admin for a new one');
      const { organization_id: organizationId } = found;
      const passwordHash = await hashPassword(request.body.password);
      const userId = await withTenant(context.db, organizationId, async (trx) => {
        const invitation = await takeInvitation(trx, found.invitation_id);
        if (!invitation) return undefined;
        const user = await trx
          .insertInto('users')
          .values({
            organization_id: organizationId,
            email: invitation.email,
            name: request.body.name ?? invitation.name,
            role: invitation.role,
            password_hash: passwordHash,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await context.outbox.publish(trx, 'user.joined', {
          tenant: organizationId,
          data: { user_id: user.id, invitation_id: invitation.id, email: invitation.email, role: invitation.role },
        });
        return user.id;
      }).catch((error: unknown) => {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) return null;
        throw error;
      });
      if (userId === undefined) return refuse(reply, 404, 'not_found', 'this invitation was used a moment ago');
      if (userId === null) return refuse(reply, 409, 'conflict', 'a user with this email exists already: sign in instead');
      const started = await startSession(context, request, organizationId, userId, false);
      setSessionCookie(reply, context, started.sessionId);
      return { user: started.profile.user, organization: started.profile.organization };
    },
  );

  app.patch(
    '/users/:id',
    {
      config,
      preHandler: admin,
      schema: {
        summary: "Change a user's role or status (admins only); their sessions end",
        description: `${csrfNote} An admin cannot change their own role or status (so an organisation always keeps one).`,
        tags,
        params: z.object({ id: z.uuid({ error: 'id must be a UUID' }) }),
        body: z.object({ role: z.enum(STRATUS_ROLES).optional(), status: z.enum(USER_STATUSES).optional() }),
        response: { 200: userSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const session = request.consoleSession!;
      const { id } = request.params;
      if (id === session.user_id) return refuse(reply, 409, 'conflict', 'you cannot change your own role or status: ask another admin');
      const updated = await withTenant(context.db, session.organization_id, async (trx) => {
        const result = await updateUser(trx, id, request.body);
        if (!result) return undefined;
        const { before, after } = result;
        const role = before.role === after.role ? {} : { role: { from: before.role, to: after.role } };
        const status = before.status === after.status ? {} : { status: { from: before.status, to: after.status } };
        if (role.role || status.status) {
          await context.outbox.publish(trx, 'user.updated', {
            tenant: session.organization_id,
            data: { user_id: session.user_id, target_user_id: id, ...role, ...status },
          });
        }
        return after;
      });
      if (!updated) return refuse(reply, 404, 'not_found', `no user ${id} in this organisation`);
      // Their sessions carry the old role (and a disabled user's must end): they sign in again.
      await revokeSessionTokens(context.db, await context.sessions.destroyAllOf(id));
      return updated;
    },
  );
};
