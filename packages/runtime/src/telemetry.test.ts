/**
 * With no exporter configured, spans are still recorded (a real trace id, not 000…0), a BullMQ job
 * runs in the trace that enqueued it, and each pass of a periodic task has a trace of its own.
 */
import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { createQueues, createRedisConnection, createWorker, type Queues } from '@stratus/queues';
import { createTestRedis, eventually, type TestRedis } from '@stratus/testing';
import { periodicTask } from './periodic-task.ts';
import { startTelemetry } from './telemetry.ts';

let sdk: NodeSDK;
let redis: TestRedis;
let connection: ReturnType<typeof createRedisConnection>;
let queues: Queues;

beforeAll(() => {
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  sdk = startTelemetry('telemetry-test');
  redis = createTestRedis();
  connection = createRedisConnection(redis.url, { forWorker: true });
  queues = createQueues({ connection, prefix: redis.prefix });
});

afterAll(async () => {
  await queues?.close();
  connection?.disconnect();
  await redis?.cleanup();
  await sdk?.shutdown();
});

it('records spans without an exporter, and a job continues the trace of whoever enqueued it', async () => {
  const seen: string[] = [];
  const worker = createWorker({
    queue: 'notifications',
    connection,
    prefix: redis.prefix,
    concurrency: 1,
    logger: { error: () => undefined, warn: () => undefined },
    handlers: {
      'notification.deliver': async () => {
        seen.push(trace.getActiveSpan()?.spanContext().traceId ?? 'no span');
        return { status: 'done' };
      },
    },
  });
  try {
    const traceId = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      await queues.enqueue('notification.deliver', {
        organization_id: '00000000-0000-4000-8000-000000000001',
        event_id: '00000000-0000-4000-8000-000000000002',
        channel_key: 'email-1',
      });
      span.end();
      return span.spanContext().traceId;
    });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toMatch(/^0+$/);
    await eventually(() => expect(seen).toEqual([traceId]), { timeoutMs: 20_000 });
  } finally {
    await worker.close();
  }
});

it('runs each pass of a periodic task in a trace of its own', async () => {
  const seen: (string | undefined)[] = [];
  const task = periodicTask('traced pass', 50, pino({ level: 'silent' }), async () => {
    seen.push(trace.getActiveSpan()?.spanContext().traceId);
  });
  await task.start();
  await eventually(() => expect(seen.length).toBeGreaterThanOrEqual(2), { timeoutMs: 5_000 });
  await task.stop();
  const [first, second] = seen;
  expect(first).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
  expect(second).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
  expect(second).not.toBe(first);
});
