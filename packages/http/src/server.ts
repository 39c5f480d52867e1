import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { installErrorHandling } from './error-handler.ts';
import { installRateLimits, type RateLimitOptions } from './rate-limit.ts';
import { hardenRoute } from './request-schema.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without authentication (health probes, API docs). Every other route needs a token. */
    public?: boolean;
  }
}

export type StratusServer = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ServerOptions {
  /** A pino logger; request logs and 5xx causes go to it. */
  logger: FastifyBaseLogger;
  /** Service name, e.g. `cost`: titles the OpenAPI document. */
  service: string;
  version: string;
  /** Proxies (addresses, CIDRs, proxy-addr names) whose X-Forwarded-For sets request.ip: TRUST_PROXY. */
  trustedProxies?: readonly string[];
  /** Counts every route per token and per client address in Redis (see installRateLimits); none when absent. */
  rateLimit?: RateLimitOptions;
}

export const BEARER_SECURITY_SCHEME = 'bearerAuth';

/**
 * A fastify instance every service starts from: zod schemas validate requests (hardened: unknown
 * parameters and fields refused, strings, arrays and JSON bounded; see hardenRequestSchema) and serialise
 * responses (and become the OpenAPI document at /docs/json, browsable at /docs), and errors of any
 * route go through one handler. Pure: nothing listens until the caller says so.
 *
 * Declare routes inside plugins (`app.register(routes)`), as fastify intends: a route added
 * directly on the returned instance, before its queued plugins load, is missing from /docs.
 */
export function buildServer({ logger, service, version, trustedProxies = [], rateLimit }: ServerOptions): StratusServer {
  const app = Fastify({ loggerInstance: logger, trustProxy: trustedProxies.length > 0 ? [...trustedProxies] : false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  // The first hook of every request, before authentication and body parsing spend anything on it.
  if (rateLimit) installRateLimits(app, rateLimit);
  // Before swagger's own hook, so /docs shows the rules that are enforced. Headers stay as
  // declared: clients and proxies send many a route has no reason to name.
  app.addHook('onRoute', hardenRoute);

  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `stratus-${service}`, version },
      components: {
        securitySchemes: {
          [BEARER_SECURITY_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API token (`stratus_…`) created with `stratus bootstrap` or `stratus token create`.',
          },
        },
      },
      security: [{ [BEARER_SECURITY_SCHEME]: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.register(async (docs) => {
    // swagger-ui declares its own routes and takes no route config, so they are marked public
    // here; otherwise authentication would lock the documentation of how to authenticate.
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  return app;
}
