import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import { revokeApiToken } from '@stratus/auth';
import { withTenant, type Database } from '@stratus/db';
import type { Outbox } from '@stratus/events';
import type { Keyring } from '@stratus/vault';
import { csrfRefusal } from './csrf.ts';
import type { LoginLimiter } from './login-limits.ts';
import type { Session, SessionStore } from './session.store.ts';

export const SESSION_COOKIE = 'stratus_session';

/** What the console's routes share: its connections, its session store and its settings. */
export interface ConsoleContext {
  db: Kysely<Database>;
  redis: Redis;
  redisPrefix: string;
  outbox: Outbox;
  keyring: Keyring;
  sessions: SessionStore;
  limiter: LoginLimiter;
  secureCookies: boolean;
  publicUrl: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in person's session, set by requireSession; null elsewhere. */
    consoleSession: Session | null;
  }
}

/** The console's error answers: `{ error, message }` with an error code the web app acts on. */
export function refuse(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).send({ error, message });
}

/** The paths whose unsafe methods need a CSRF token: everything the web app calls. */
const GUARDED = /^\/(auth|api)(\/|$|\?)/;

/**
 * Refuses unsafe requests without a valid CSRF token on /auth and /api, after validation (so a
 * malformed request still hears which field is wrong) and before any route or proxy acts.
 */
export const csrfGuard = fp(
  async (app) => {
    app.decorateRequest('consoleSession', null);
    app.addHook('preHandler', async (request, reply) => {
      if (!GUARDED.test(request.url)) return;
      const refusal = csrfRefusal(request);
      if (refusal) return refuse(reply, 403, 'csrf', refusal);
    });
  },
  { name: 'stratus-console-csrf', fastify: '5.x' },
);

export function sessionCookieOptions(context: Pick<ConsoleContext, 'secureCookies'>, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: context.secureCookies,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

/** Hands the browser the cookie of a new session (it lives as long as the session may). */
export function setSessionCookie(reply: FastifyReply, context: ConsoleContext, sessionId: string): void {
  reply.setCookie(SESSION_COOKIE, sessionId, sessionCookieOptions(context, Math.floor(context.sessions.times.absoluteMs / 1000)));
}

/** A preHandler that answers 401 unless the request carries a live session, which it attaches. */
export function requireSession(context: ConsoleContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const id = request.cookies[SESSION_COOKIE];
    const session = id ? await context.sessions.touch(id) : undefined;
    if (!session) return refuse(reply, 401, 'unauthenticated', 'no session, or it expired: sign in at POST /auth/login');
    request.consoleSession = session;
  };
}

/** Like requireSession, for admins only (403 for the others). */
/** `what`: what only admins may do, for the 403's message (e.g. 'manage users'). */
export function requireAdmin(context: ConsoleContext, what: string) {
  const signedIn = requireSession(context);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    await signedIn(request, reply);
    if (reply.sent) return reply;
    if (request.consoleSession?.role !== 'admin') return refuse(reply, 403, 'forbidden', `only an admin may ${what}`);
  };
}

/** Revokes the API tokens of sessions that ended, so that nothing signs in with them any more. */
export async function revokeSessionTokens(db: Kysely<Database>, sessions: readonly Session[]): Promise<void> {
  for (const session of sessions) {
    await withTenant(db, session.organization_id, (trx) => revokeApiToken(trx, session.token_id));
  }
}
