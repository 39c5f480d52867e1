import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Probes and scrapes arrive every few seconds and belong to no user's work: no span for them. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Starts OpenTelemetry. Call it before anything that talks to HTTP, PostgreSQL or Redis is imported
 * (a service's main.ts imports the rest dynamically after it): the instrumentations patch `http`,
 * `pg` and `ioredis` as they load. Kafka and BullMQ carry the context themselves (event headers,
 * BullMQ's telemetry option).
 *
 * Spans are always recorded, so trace ids reach the logs, the outbox, Kafka headers and jobs; they
 * are exported only when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set, through the
 * standard OTEL_* variables. Metrics are Prometheus' (/metrics) and logs pino's: neither is exported
 * through OpenTelemetry.
 */
export function startTelemetry(serviceName: string): NodeSDK {
  // The SDK reads process.env itself (exporters, sampler, resource): these defaults go there too.
  const { env } = process;
  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? `stratus-${serviceName}`,
    textMapPropagator: new W3CTraceContextPropagator(),
    // Without a span processor the SDK registers no tracer at all and every span is a no-op with
    // trace id 000…0; this one records spans and drops them when they end.
    ...(exporting ? {} : { spanProcessors: [new NoopSpanProcessor()] }),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]!) }),
      // Only inside a request, event or job: BullMQ's idle polling and pool upkeep start no trace.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return sdk;
}
