import fp from 'fastify-plugin';
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import { PERMISSION_CATALOGUE, withTenant, type Database, type PermissionName } from '@stratus/db';
import { AppError } from '@stratus/http';
import { authenticate, isStillValid, type AuthIdentity } from './authenticate.ts';
import { IdentityCache } from './identity-cache.ts';
import { hashToken, isWellFormedToken } from './token.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a caller's role needs; every route declares this or `public: true`. */
    permission?: PermissionName;
  }
  interface FastifyInstance {
    /**
     * The permission of the routes registered in this scope without one: for a plugin that
     * registers routes itself (a queue dashboard), set on the scope before registering it.
     */
    scopePermission: PermissionName | null;
  }
  interface FastifyRequest {
    /** Set on every route that is not public; absent (null) on public routes. */
    auth: AuthIdentity;
    /** Runs fn in a transaction under the caller's organisation (row-level security applies). */
    withTenant<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  }
}

export interface AuthOptions {
  /** The service's database (its own role), used to resolve tokens and by request.withTenant. */
  db: Kysely<Database>;
  /**
   * How long a resolved token is trusted by reads without asking the database again. This is also
   * how long a revoked or expired token, a disabled user or a changed role permission can go
   * unnoticed by a running instance's reads: 30 s by default. Writes (request.withTenant of any
   * other method than GET, HEAD, OPTIONS) check the token again in their own transaction.
   */
  cacheTtlMs?: number;
  /** Tokens kept at once; the oldest is dropped beyond this. */
  cacheMaxEntries?: number;
}

/** Methods that change nothing: a cached identity is enough for them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) {
    throw new AppError('unauthorized', 'missing bearer token: send the header "Authorization: Bearer <token>"');
  }
  const match = /^Bearer +(\S+)$/i.exec(header.trim());
  if (!match?.[1]) {
    throw new AppError('unauthorized', 'malformed Authorization header: expected "Bearer <token>"');
  }
  return match[1];
}

function checkRouteDeclaresAccess(route: RouteOptions): void {
  const { public: isPublic, permission } = route.config ?? {};
  const where = `route ${String(route.method)} ${route.url}`;
  if (isPublic) return;
  if (permission === undefined) {
    throw new Error(
      `${where} declares neither config.permission nor config.public: every route must say who may call it`,
    );
  }
  if (!Object.hasOwn(PERMISSION_CATALOGUE, permission)) {
    throw new Error(`${where} requires unknown permission ${permission}: add it to PERMISSION_CATALOGUE in @stratus/db`);
  }
}

/**
 * Authenticates every request by its bearer token and authorises it by the route's
 * `config.permission`; `config.public` routes are skipped. Registered once per service, before
 * its routes: a route registered afterwards without either setting fails at registration, so no
 * route is open by accident.
 */
export const authPlugin = fp<AuthOptions>(
  async (app, { db, cacheTtlMs = 30_000, cacheMaxEntries = 10_000 }) => {
    const identities = new IdentityCache<AuthIdentity>({ ttlMs: cacheTtlMs, maxEntries: cacheMaxEntries });
    const tokenHashes = new WeakMap<FastifyRequest, Buffer>();

    app.decorateRequest('auth', null as unknown as AuthIdentity);
    app.decorateRequest('withTenant', function <T>(this: FastifyRequest, fn: (trx: Transaction<Database>) => Promise<T>) {
      if (!this.auth) throw new Error('request.withTenant needs an authenticated request; this route is public');
      const hash = tokenHashes.get(this);
      // An admin token (or an admin's token: the database checks the user's role) sees the whole
      // organisation; anyone else's work is narrowed to their teams' cloud accounts.
      const person = this.auth.role === 'admin' ? {} : { userId: this.auth.userId };
      if (SAFE_METHODS.has(this.method) || !hash) return withTenant(db, this.auth.organizationId, fn, person);
      // A write is not trusted to the cache: the token, its user or its organisation may be gone
      // since it was cached (a deleted organisation's rows would fail their foreign keys: a 500).
      // Checked in the write's own transaction, so a revocation is seen by every later write.
      return withTenant(db, this.auth.organizationId, async (trx) => {
        if (!(await isStillValid(trx, hash))) {
          identities.delete(hash.toString('hex'));
          throw new AppError('unauthorized', 'invalid token: unknown, expired or revoked');
        }
        return fn(trx);
      }, person);
    });

    app.decorate('scopePermission', null);
    app.addHook('onRoute', function (route) {
      const config = route.config ?? {};
      if (this.scopePermission !== null && config.permission === undefined && !config.public) route.config = { ...config, permission: this.scopePermission };
      checkRouteDeclaresAccess(route);
    });

    app.addHook('onRequest', async (request) => {
      const { public: isPublic, permission } = request.routeOptions.config;
      if (isPublic) return;
      const token = bearerToken(request);
      const hash = isWellFormedToken(token) ? hashToken(token) : undefined;
      const identity =
        hash &&
        (await identities.resolve(hash.toString('hex'), () => authenticate(db, hash)).catch((error: unknown) => {
          // The database is unreachable, not the token wrong: 503 tells the client to retry.
          throw new AppError('unavailable', 'cannot verify the token now', { cause: error });
        }));
      if (!identity || !hash) throw new AppError('unauthorized', 'invalid token: unknown, expired or revoked');
      request.auth = identity;
      tokenHashes.set(request, hash);
      request.log = request.log.child({ organization_id: identity.organizationId, token_id: identity.tokenId });
      if (permission && !identity.permissions.has(permission)) {
        throw new AppError('forbidden', `role ${identity.role} lacks permission ${permission}`);
      }
    });
  },
  { name: '@stratus/auth', fastify: '5.x' },
);
