import { randomUUID } from 'node:crypto';
import { outboxOf, type EventDataInput } from '@stratus/events';
import type { AuditConsumer } from './audit-consumer.ts';

/** The data of a budget.threshold_crossed: 80% of a 1,000 USD monthly budget, with overrides. */
export function crossing(data: Partial<EventDataInput<'budget.threshold_crossed'>> = {}): EventDataInput<'budget.threshold_crossed'> {
  return {
    budget_id: randomUUID(),
    budget_name: 'Data platform',
    budget_alert_id: randomUUID(),
    threshold: '80',
    threshold_type: 'actual',
    period_start: '2024-01-01',
    period_end: '2024-01-31',
    spend: '812.500000',
    budget_amount: '1000.000000',
    currency: 'USD',
    ...data,
  };
}

/** Publishes the crossing through the cost service's outbox, as the cost service does. */
export function publishCrossing(audit: AuditConsumer, data: EventDataInput<'budget.threshold_crossed'>) {
  return audit.database.owner
    .transaction()
    .execute((trx) => outboxOf('cost').publish(trx, 'budget.threshold_crossed', { tenant: audit.organizationId, data }));
}
