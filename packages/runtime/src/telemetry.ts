import { NodeSDK } from '@opentelemetry/sdk-node';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * Starts OpenTelemetry before anything else so trace context flows through HTTP, the outbox and
 * Kafka headers. Exporters follow the standard OTEL_* variables; with no endpoint configured,
 * spans are still created and propagated (trace ids reach the logs and the events) but nothing
 * is exported, instead of the SDK retrying a collector that is not there.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): NodeSDK {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    env.OTEL_TRACES_EXPORTER ??= 'none';
    env.OTEL_METRICS_EXPORTER ??= 'none';
    env.OTEL_LOGS_EXPORTER ??= 'none';
  }
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? `stratus-${serviceName}`,
    textMapPropagator: new W3CTraceContextPropagator(),
  });
  sdk.start();
  return sdk;
}
