import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import { withTenant, type Database, type ServiceName } from '@stratus/db';
import type { Outbox } from '@stratus/events';

export interface RequestRecordingOptions {
  service: ServiceName;
  db: Kysely<Database>;
  outbox: Outbox;
}

/** Methods that change nothing: recorded only when refused. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function traceIdOf(reply: FastifyReply): string | undefined {
  const header = reply.getHeader('traceresponse');
  return typeof header === 'string' ? header.split('-')[1] : undefined;
}

function paramsOf(request: FastifyRequest): Record<string, string> {
  const params = (request.params ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(params).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));
}

/**
 * Every authenticated call that changes something, and every refused one (401, 403), becomes an
 * `api.request_recorded` event of the service that served it, for the audit trail: who (user and
 * token), from where (address, user agent), what (method, route, its parameters, never the body,
 * which may hold credentials) and the outcome, with the request's trace.
 *
 * It is written in a transaction of its own once the response is sent, so a failed mutation is
 * recorded as well as a successful one. A call whose token resolves to no organisation (unknown or
 * malformed) has no tenant to be recorded under: the service's request log keeps it.
 */
export const requestRecording = fp<RequestRecordingOptions>(
  async (app, { service, db, outbox }) => {
    app.addHook('onResponse', async (request, reply) => {
      const status = reply.statusCode;
      const identity = request.auth;
      if (!identity || request.routeOptions.config.public) return;
      if (SAFE_METHODS.has(request.method) && status !== 401 && status !== 403) return;
      const params = paramsOf(request);
      const resourceId = params.id ?? Object.values(params)[0];
      const userAgent = request.headers['user-agent'];
      const traceId = traceIdOf(reply);
      try {
        await withTenant(db, identity.organizationId, (trx) =>
          outbox.publish(trx, 'api.request_recorded', {
            tenant: identity.organizationId,
            data: {
              service,
              method: request.method,
              route: request.routeOptions.url ?? 'unmatched',
              ...(resourceId ? { resource_id: resourceId } : {}),
              params,
              status_code: status,
              user_id: identity.userId,
              token_id: identity.tokenId,
              ip_address: request.ip,
              ...(userAgent ? { user_agent: userAgent } : {}),
              ...(traceId ? { trace_id: traceId } : {}),
            },
          }),
        );
      } catch (error) {
        request.log.error({ err: error, status_code: status }, 'could not record the request for the audit trail');
      }
    });
  },
  { name: 'stratus-request-recording', fastify: '5.x', dependencies: ['@stratus/auth'] },
);
