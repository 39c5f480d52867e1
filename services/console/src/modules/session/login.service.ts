import type { FastifyRequest } from 'fastify';
import { createApiToken, verifyPassword } from '@stratus/auth';
import { withTenant } from '@stratus/db';
import type { EventData } from '@stratus/events';
import { findLoginCandidate, profileOf, recordLogin, type LoginCandidate, type Profile } from '../users/users.repository.ts';
import type { ConsoleContext } from './session.plugin.ts';
import type { Session } from './session.store.ts';
import { acceptTotpCode } from './totp.ts';
import { totpSecretOf } from './totp.repository.ts';

/** What a session's own API token is called: the tokens page lists machines' tokens, not these. */
export const SESSION_TOKEN_NAME = 'console session';

type Failure = EventData<'user.sign_in_failed'>['reason'];

export type LoginOutcome =
  | { kind: 'signed_in'; profile: Profile; sessionId: string; session: Session }
  | { kind: 'refused'; error: 'invalid_credentials' | 'totp_required' | 'invalid_totp'; message: string }
  | { kind: 'limited'; retryAfterSeconds: number };

const INVALID_CREDENTIALS = { kind: 'refused', error: 'invalid_credentials', message: 'wrong email or password' } as const;

/** Where a request came from, for the audit trail. */
export function clientOf(request: FastifyRequest): { ip_address: string; user_agent?: string } {
  const agent = request.headers['user-agent'];
  return { ip_address: request.ip, ...(agent ? { user_agent: agent } : {}) };
}

async function recordFailure(
  context: ConsoleContext,
  request: FastifyRequest,
  email: string,
  candidate: LoginCandidate | undefined,
  reason: Failure,
): Promise<void> {
  await context.limiter.recordFailure(email, request.ip);
  // An unknown email belongs to no organisation, so there is no audit trail to write it to.
  if (!candidate) return;
  await withTenant(context.db, candidate.organization_id, (trx) =>
    context.outbox.publish(trx, 'user.sign_in_failed', {
      tenant: candidate.organization_id,
      data: { user_id: candidate.user_id, reason, ...clientOf(request) },
    }),
  );
}

/**
 * Email and password (and the TOTP code when the person's second factor is on). Unknown email,
 * wrong password and disabled user get one answer after the same argon2 work; failures count
 * against the email and the client address. On success the person's API token for the gateway
 * is minted (their role, expiring with the session) and a new session is made.
 */
export async function login(
  context: ConsoleContext,
  request: FastifyRequest,
  input: { email: string; password: string; totp_code?: string | undefined },
): Promise<LoginOutcome> {
  const email = input.email.trim().toLowerCase();
  const retryAfterSeconds = await context.limiter.retryAfter(email, request.ip);
  if (retryAfterSeconds > 0) return { kind: 'limited', retryAfterSeconds };

  const candidate = await findLoginCandidate(context.db, email);
  const passwordOk = await verifyPassword(candidate?.password_hash, input.password);
  if (!candidate || !passwordOk) {
    await recordFailure(context, request, email, candidate, 'invalid_credentials');
    return INVALID_CREDENTIALS;
  }
  if (candidate.status !== 'active') {
    await recordFailure(context, request, email, candidate, 'disabled');
    return INVALID_CREDENTIALS;
  }

  const { organization_id: organizationId, user_id: userId } = candidate;
  const totp = await withTenant(context.db, organizationId, (trx) => totpSecretOf(trx, context.keyring, organizationId, userId));
  const secondFactor = totp?.enabled === true;
  if (totp?.enabled) {
    // The password was right: asking for the code is the next step, not a failure.
    if (!input.totp_code) return { kind: 'refused', error: 'totp_required', message: 'enter the code of your authenticator app' };
    const prefix = `${context.redisPrefix}:console:totp-used`;
    if (!(await acceptTotpCode(context.redis, prefix, userId, totp.secret, input.totp_code))) {
      await recordFailure(context, request, email, candidate, 'invalid_totp');
      return { kind: 'refused', error: 'invalid_totp', message: 'wrong or already used authenticator code' };
    }
  }

  const started = await startSession(context, request, organizationId, userId, secondFactor);
  await context.limiter.recordSuccess(email);
  return { kind: 'signed_in', ...started };
}

/**
 * Signs a person in whose credentials were checked: last_login, the API token the gateway presents
 * for them (their role, expiring with the session), user.signed_in, and a new session.
 */
export async function startSession(
  context: ConsoleContext,
  request: FastifyRequest,
  organizationId: string,
  userId: string,
  secondFactor: boolean,
): Promise<{ profile: Profile; sessionId: string; session: Session }> {
  const expiresAt = new Date(Date.now() + context.sessions.times.absoluteMs);
  const { profile, token } = await withTenant(context.db, organizationId, async (trx) => {
    await recordLogin(trx, userId);
    const current = await profileOf(trx, userId);
    if (!current) throw new Error(`user ${userId} vanished while signing in`);
    const issued = await createApiToken(trx, { organizationId, userId, role: current.user.role, name: SESSION_TOKEN_NAME, expiresAt });
    await context.outbox.publish(trx, 'user.signed_in', {
      tenant: organizationId,
      data: { user_id: userId, second_factor: secondFactor, ...clientOf(request) },
    });
    return { profile: current, token: issued };
  });
  const { id, session } = await context.sessions.create({
    user_id: userId,
    organization_id: organizationId,
    role: profile.user.role,
    token_id: token.id,
    api_token: token.token,
  });
  return { profile, sessionId: id, session };
}
