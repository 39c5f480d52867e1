import Tokens from '@fastify/csrf';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const CSRF_COOKIE = 'stratus_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const tokens = Tokens();
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Synchroniser tokens: a secret in an httpOnly cookie, and tokens made from it that the web app
 * reads from GET /auth/csrf and sends back in a header. Another site can make the browser send
 * the cookie (SameSite=Strict already stops most of that) but can neither read a token nor set
 * the header on a cross-site form.
 */
export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply, cookie: { secure: boolean }): string {
  const existing = request.cookies[CSRF_COOKIE];
  if (existing) return tokens.create(existing);
  const secret = tokens.secretSync();
  reply.setCookie(CSRF_COOKIE, secret, { path: '/', httpOnly: true, sameSite: 'strict', secure: cookie.secure });
  return tokens.create(secret);
}

/** Why an unsafe request is refused, or undefined when its token matches its secret (safe methods always pass). */
export function csrfRefusal(request: FastifyRequest): string | undefined {
  if (!UNSAFE_METHODS.has(request.method)) return undefined;
  const secret = request.cookies[CSRF_COOKIE];
  const token = request.headers[CSRF_HEADER];
  if (!secret) return 'no CSRF secret cookie: GET /auth/csrf first';
  if (typeof token !== 'string' || token === '') return `missing ${CSRF_HEADER} header: send the token from GET /auth/csrf`;
  return tokens.verify(secret, token) ? undefined : `invalid ${CSRF_HEADER} header: get a new token from GET /auth/csrf`;
}
