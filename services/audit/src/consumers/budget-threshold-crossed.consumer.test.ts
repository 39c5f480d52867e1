/**
 * budget.threshold_crossed, published through the cost service's outbox and relayed to the real
 * Kafka, becomes one notification for the organisation, however often it is delivered.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import type { EventEnvelope } from '@stratus/events';
import { eventually } from '@stratus/testing';
import { startAuditConsumer, type AuditConsumer } from '../../test/audit-consumer.ts';
import { crossing, publishCrossing } from '../../test/budget-crossings.ts';
import { handlers } from '../app.ts';

let audit: AuditConsumer;

beforeAll(async () => {
  audit = await startAuditConsumer(['cost']);
});

afterAll(async () => {
  await audit?.close();
});

function notificationsOf(budgetId: string) {
  return audit.database.owner
    .selectFrom('notifications')
    .select(['organization_id', 'user_id', 'type', 'title', 'message', 'status', 'data'])
    .where(sql<boolean>`data ->> 'budget_id' = ${budgetId}`)
    .execute();
}

describe('a crossed budget threshold', () => {
  it('notifies the organisation once even when Kafka delivers the event twice', async () => {
    const { processed, duplicates } = audit.consumer.metrics();
    const data = crossing();
    const event = await publishCrossing(audit, data);
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 1), { timeoutMs: 30_000 });
    await audit.redeliver([event]);
    await eventually(() => expect(audit.consumer.metrics().duplicates).toBe(duplicates + 1), { timeoutMs: 30_000 });

    expect(audit.consumer.metrics().deadLettered).toBe(0);
    expect(await notificationsOf(data.budget_id)).toEqual([
      {
        organization_id: audit.organizationId,
        user_id: null,
        type: 'budget_alert',
        title: 'Budget "Data platform" reached 80%',
        message: 'Spend for 2024-01-01 to 2024-01-31 is 812.50 USD, 80% or more of the budget of 1000.00 USD.',
        status: 'unread',
        data: { ...data, event_id: event.id },
      },
    ]);
  });

  it('on the forecast says what spend is forecast to reach', async () => {
    const { processed } = audit.consumer.metrics();
    const data = crossing({ threshold: '100.5', threshold_type: 'forecast', spend: '40', forecast: '124.000000', budget_amount: '100.25' });
    await publishCrossing(audit, data);
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 1), { timeoutMs: 30_000 });

    expect(await notificationsOf(data.budget_id)).toMatchObject([
      {
        title: 'Budget "Data platform" is forecast to reach 100.5%',
        message:
          'Spend for 2024-01-01 to 2024-01-31 is forecast to reach 124.00 USD by the end of the period, against a budget of 100.25 USD; 40.00 USD spent so far.',
        data: { threshold_type: 'forecast', forecast: '124.000000' },
      },
    ]);
  });

  it('is notified once when the handler runs again outside the consumer, even concurrently', async () => {
    const { processed } = audit.consumer.metrics();
    const data = crossing({ budget_alert_id: undefined });
    const event = await publishCrossing(audit, data);
    const apply = (envelope: EventEnvelope<'budget.threshold_crossed'>) =>
      withTenant(audit.auditDb, audit.organizationId, (trx) => handlers(audit.queues)['budget.threshold_crossed'](envelope, trx));

    await Promise.all([apply(event), apply(event)]);
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 1), { timeoutMs: 30_000 });

    const rows = await notificationsOf(data.budget_id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.data).not.toHaveProperty('budget_alert_id');
  });
});
