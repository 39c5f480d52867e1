import proxy from '@fastify/http-proxy';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayService } from '../../config.ts';
import { requireSession, type ConsoleContext } from '../session/session.plugin.ts';

/** Headers of the browser's request that no service behind the gateway may see. */
const STRIPPED = ['authorization', 'cookie', 'x-csrf-token', 'x-forwarded-for'];

/**
 * The browser's request as the service receives it: its credentials replaced by the session's
 * API token. The browser never holds a token, and one it sends is dropped, not passed on. The
 * person's address (as the console sees it) goes as X-Forwarded-For: a service whose TRUST_PROXY
 * names the console then counts rate limits and records the audit trail per person, not per console.
 */
export function upstreamHeaders(request: FastifyRequest, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !STRIPPED.includes(name.toLowerCase())));
  return { ...kept, authorization: `Bearer ${request.consoleSession!.api_token}`, 'x-forwarded-for': request.ip };
}

/**
 * Routes that pass requests on as they are: every query parameter is theirs to judge (the server's
 * hardening refuses undeclared ones on routes with a schema). Not part of the console's own API
 * document either.
 */
export function passThrough(route: RouteOptions): void {
  route.schema = { ...route.schema, querystring: z.looseObject({}), hide: true };
}

/**
 * One origin for the web app: /api/<service>/... goes to that service's public API as the signed-in
 * person (so cookies work and the services keep authorising by role, recording who did what).
 */
export async function gatewayRoutes(app: FastifyInstance, options: { context: ConsoleContext; upstreams: Record<GatewayService, string> }) {
  const signedIn = requireSession(options.context);
  app.addHook('onRoute', passThrough);
  for (const [service, upstream] of Object.entries(options.upstreams)) {
    await app.register(proxy, {
      upstream,
      prefix: `/api/${service}`,
      rewritePrefix: '',
      config: { public: true },
      // The proxy's type wants a callback hook; fastify runs an async one the same way.
      preHandler: signedIn as never,
      replyOptions: { rewriteRequestHeaders: (request, headers) => upstreamHeaders(request as FastifyRequest, headers as IncomingHttpHeaders) },
    });
  }
}
