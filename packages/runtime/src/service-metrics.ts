import { sql } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { EventConsumer } from '@stratus/events';
import type { ServiceDeps } from './dependencies.ts';

/** What a queue's jobs are doing; BullMQ counts each with one Redis command. */
const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/**
 * The gauges read when Prometheus scrapes: the service's outbox (events waiting for the relay and
 * the age of the oldest), its queues' depth, and whether its consumers are in their group.
 */
export function registerServiceMetrics(registry: Registry, deps: ServiceDeps, consumer: EventConsumer | undefined): void {
  const { db, service, queues } = deps;
  // One query for both; the backlog is registered first, so it is collected first.
  new Gauge({
    name: 'stratus_outbox_backlog_events',
    help: "Events in the service's outbox not yet published to Kafka",
    registers: [registry],
    async collect() {
      const { rows } = await sql<{ events: string; oldest: Date | null }>`
        select coalesce(sum(cardinality(event_ids)), 0) as events, min(created_at) as oldest
          from event_outbox
         where producer = ${service} and published_at is null
      `.execute(db);
      const { events, oldest } = rows[0]!;
      this.set(Number(events));
      oldestAge.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
    },
  });
  const oldestAge = new Gauge({
    name: 'stratus_outbox_oldest_unpublished_age_seconds',
    help: "Age of the service's oldest event not yet published to Kafka; 0 when the outbox is drained",
    registers: [registry],
  });
  new Gauge({
    name: 'stratus_queue_jobs',
    help: 'Jobs of each BullMQ queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      await Promise.all(
        Object.entries(queues.queues).map(async ([queue, bull]) => {
          const counts = await bull.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue, state }, counts[state] ?? 0);
        }),
      );
    },
  });
  if (consumer) {
    new Gauge({
      name: 'stratus_consumer_group_joined',
      help: "1 while the service's consumer is a member of its Kafka group",
      registers: [registry],
      collect() {
        this.set(consumer.membership().joined ? 1 : 0);
      },
    });
  }
}
