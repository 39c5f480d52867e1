import cookie from '@fastify/cookie';
import type { ServiceDefinition } from '@stratus/runtime';
import pkg from '../package.json' with { type: 'json' };
import { env, GATEWAY_SERVICES, type ConsoleConfig, type GatewayService } from './config.ts';
import { gatewayRoutes } from './modules/gateway/gateway.routes.ts';
import { LoginLimiter, type LoginLimits } from './modules/session/login-limits.ts';
import { csrfGuard, type ConsoleContext } from './modules/session/session.plugin.ts';
import { sessionRoutes } from './modules/session/session.routes.ts';
import { SessionStore } from './modules/session/session.store.ts';
import { totpRoutes } from './modules/session/totp.routes.ts';
import { tokensRoutes } from './modules/tokens/tokens.routes.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { webRoutes } from './modules/web/web.routes.ts';

/** 5 failed sign-ins per email and 30 per client address in 15 minutes (OWASP's order of magnitude). */
export const LOGIN_LIMITS: LoginLimits = { failuresPerEmail: 5, failuresPerAddress: 30 };

function upstreamsOf(config: ConsoleConfig): Record<GatewayService, string> {
  const variables = Object.fromEntries(
    Object.entries(GATEWAY_SERVICES).map(([service, { variable }]) => [service, config[variable]]),
  );
  return variables as Record<GatewayService, string>;
}

export const service: ServiceDefinition<typeof env> = {
  name: 'console',
  version: pkg.version,
  env,
  async routes(app, deps) {
    const { config } = deps;
    const context: ConsoleContext = {
      db: deps.db,
      redis: deps.redis,
      redisPrefix: config.REDIS_PREFIX,
      outbox: deps.outbox,
      keyring: config.CREDENTIALS_KEYS,
      sessions: new SessionStore(deps.redis, config.REDIS_PREFIX, {
        idleMs: config.CONSOLE_SESSION_IDLE_MINUTES * 60_000,
        absoluteMs: config.CONSOLE_SESSION_ABSOLUTE_HOURS * 3_600_000,
      }),
      limiter: new LoginLimiter(deps.redis, config.REDIS_PREFIX, LOGIN_LIMITS),
      secureCookies: config.CONSOLE_SECURE_COOKIES,
      publicUrl: config.CONSOLE_PUBLIC_URL,
    };
    await app.register(cookie);
    await app.register(csrfGuard);
    await app.register(sessionRoutes, { prefix: '/auth', context });
    await app.register(totpRoutes, { prefix: '/auth', context });
    await app.register(usersRoutes, { prefix: '/auth', context });
    await app.register(tokensRoutes, { prefix: '/auth', context });
    await app.register(gatewayRoutes, { context, upstreams: upstreamsOf(config) });
    await app.register(webRoutes, { root: config.CONSOLE_WEB_DIST });
  },
};
