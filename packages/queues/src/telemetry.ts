import { BullMQOtel } from 'bullmq-otel';
import { Histogram, register } from 'prom-client';

/**
 * BullMQ's OpenTelemetry binding: a job carries the trace context it was added in, and its
 * processing runs in a span of that trace. Through the global tracer, so it records what the
 * service's SDK records (and nothing when there is none, as in the tests of this package).
 */
export const queueTelemetry = new BullMQOtel('@stratus/queues');

/** Every worker of the process observes here; a service's /metrics includes the default registry. */
export const jobDuration = new Histogram({
  name: 'stratus_job_duration_seconds',
  help: 'Time a job took in its handler, by queue, job name and outcome (done, skipped, failed)',
  labelNames: ['queue', 'job', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
  registers: [register],
});
