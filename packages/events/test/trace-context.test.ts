import { randomUUID } from 'node:crypto';
import { context, ROOT_CONTEXT, trace, type SpanContext } from '@opentelemetry/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import { createDb, type Database } from '@stratus/db';
import { eventually, type TestDatabase, type TestKafka, openBackbone, type Backbone } from '@stratus/testing';
import { createConsumer, OutboxRelay, outboxOf, type EventConsumer } from '../src/index.ts';
import { enableAsyncContext } from './async-context.ts';
import * as backboneEvents from '../src/index.ts';
import { testLogger } from './logger.ts';
import { samples } from './samples.ts';

let database: TestDatabase;
let kafka: TestKafka;
let admin: Admin;
let backbone: Backbone<Logger> | undefined;
let relay: OutboxRelay;
let consumer: EventConsumer;
let disableAsyncContext: () => void;
// The services' own roles, so the event backbone's grants are exercised too.
let recommendationDb: Kysely<Database>;
let auditDb: Kysely<Database>;
const seen = new Map<string, SpanContext | undefined>();
const tenant = randomUUID();

beforeAll(async () => {
  disableAsyncContext = enableAsyncContext();
  backbone = await openBackbone(backboneEvents, { partitions: 1 });
  ({ database, kafka, admin } = backbone);
  recommendationDb = createDb({ url: database.url, role: 'stratus_recommendation' });
  auditDb = createDb({ url: database.url, role: 'stratus_audit' });
  relay = new OutboxRelay({
    db: recommendationDb,
    listenUrl: database.url,
    kafka: kafka.kafka,
    producer: 'recommendation',
    topicPrefix: kafka.prefix,
    logger: testLogger,
  });
  await relay.start();
  consumer = createConsumer({
    kafka: kafka.kafka,
    db: auditDb,
    groupId: `${kafka.prefix}audit`,
    topicPrefix: kafka.prefix,
    handlers: {
      'recommendation.created': async (event) => {
        seen.set(event.id, trace.getSpanContext(context.active()));
      },
    },
    logger: testLogger,
    fromBeginning: true,
  });
  await consumer.start();
});

afterAll(async () => {
  await consumer?.stop();
  await relay?.stop();
  await recommendationDb?.destroy();
  await auditDb?.destroy();
  await backbone?.close();
  disableAsyncContext?.();
});

it('carries a traceparent given at publish into the handler context', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const event = await recommendationDb.transaction().execute((trx) =>
    outboxOf('recommendation').publish(trx, 'recommendation.created', {
      tenant,
      data: samples()['recommendation.created'],
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    }),
  );
  const spanContext = await eventually(() => {
    expect(seen.has(event.id)).toBe(true);
    return seen.get(event.id);
  });
  expect(spanContext?.traceId).toBe(traceId);
});

it('captures the active span of the publisher when no traceparent is given', async () => {
  const publisherSpan: SpanContext = { traceId: randomUUID().replaceAll('-', ''), spanId: '00f067aa0ba902b7', traceFlags: 1 };
  const event = await context.with(trace.setSpanContext(ROOT_CONTEXT, publisherSpan), () =>
    recommendationDb
      .transaction()
      .execute((trx) => outboxOf('recommendation').publish(trx, 'recommendation.created', { tenant, data: samples()['recommendation.created'] })),
  );
  expect(event.traceparent).toBe(`00-${publisherSpan.traceId}-00f067aa0ba902b7-01`);
  const spanContext = await eventually(() => {
    expect(seen.has(event.id)).toBe(true);
    return seen.get(event.id);
  });
  expect(spanContext?.traceId).toBe(publisherSpan.traceId);
});
