import { trace } from '@opentelemetry/api';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Histogram, Registry, register } from 'prom-client';
import { activeTraceHeaders } from '@stratus/events';

export interface ObservabilityOptions {
  /** The service's own metrics; the process-wide default registry (jobs, consumers, Node) is served beside it. */
  registry: Registry;
}

/**
 * Every response says which trace it belongs to (`traceresponse`, W3C Trace Context level 2), so
 * a user's report leads to the logs of every service the request reached. Every request is timed
 * into a histogram by route template (never the URL, which holds ids), and `GET /metrics` serves
 * them in the Prometheus text format.
 *
 * /metrics is public, as /readyz is: its labels are route templates, topics, groups, queues and job
 * names, bounded and with nothing of any tenant. Keep the service port off the internet (the Helm
 * chart's Service is cluster-internal) or route only /v1 and /docs to it.
 */
const observabilityPlugin: FastifyPluginAsync<ObservabilityOptions> = async (app, { registry }) => {
  const duration = new Histogram({
    name: 'stratus_http_request_duration_seconds',
    help: 'Time from request to response, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.addHook('onRequest', async (request, reply) => {
    const { traceparent } = activeTraceHeaders();
    if (traceparent) reply.header('traceresponse', traceparent);
    // The http instrumentation names the span by method alone; the route template says what it did.
    const route = request.routeOptions.url;
    if (route) trace.getActiveSpan()?.updateName(`${request.method} ${route}`).setAttribute('http.route', route);
  });

  app.addHook('onResponse', async (request, reply) => {
    // A path no route matched is one label, so a scan of random URLs cannot grow the series.
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { logLevel: 'warn', config: { public: true, rateLimit: false }, schema: { hide: true } }, async (_request, reply) => {
    const merged = Registry.merge([register, registry]);
    return reply.type(merged.contentType).send(await merged.metrics());
  });
};

export const observability = fp(observabilityPlugin, { name: 'stratus-observability' });
