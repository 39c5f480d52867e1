/**
 * cloud_account.linked and cloud_account.unlinked, published through the ingestion outbox and
 * relayed to the real Kafka, become one activity_log row each, however often they are delivered.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import { outboxOf, type EventEnvelope } from '@stratus/events';
import { eventually } from '@stratus/testing';
import { startAuditConsumer, type AuditConsumer } from '../../test/audit-consumer.ts';
import { handlers } from '../app.ts';

let audit: AuditConsumer;
let database: AuditConsumer['database'];
let consumer: AuditConsumer['consumer'];
let auditDb: AuditConsumer['auditDb'];
let organizationId: string;
let userId: string;

beforeAll(async () => {
  audit = await startAuditConsumer(['ingestion']);
  ({ database, consumer, auditDb, organizationId, userId } = audit);
});

afterAll(async () => {
  await audit?.close();
});

function activityOf(subject: string) {
  return database.owner
    .selectFrom('activity_log')
    .select(['organization_id', 'actor', 'type', 'subject', 'summary', 'status', 'details'])
    .where('subject', '=', subject)
    // The two event types travel on different topics, so either may be applied first.
    .orderBy('type')
    .execute();
}

describe('the activity of linked and unlinked cloud accounts', () => {
  it('records one row per event even when Kafka delivers each event twice', async () => {
    const cloudAccountId = randomUUID();
    const data = { cloud_account_id: cloudAccountId, provider: 'AWS' as const, account_id: '123456789012', name: 'Production', user_id: userId };
    const events = await database.owner.transaction().execute(async (trx) => [
      await outboxOf('ingestion').publish(trx, 'cloud_account.linked', { tenant: organizationId, data }),
      await outboxOf('ingestion').publish(trx, 'cloud_account.unlinked', { tenant: organizationId, data }),
    ]);
    await eventually(() => expect(consumer.metrics().processed).toBe(2), { timeoutMs: 30_000 });

    // Redeliver both exactly as the relay sent them, as Kafka does after a consumer crash.
    await audit.redeliver(events);
    await eventually(() => expect(consumer.metrics().duplicates).toBe(2), { timeoutMs: 30_000 });

    expect(consumer.metrics()).toMatchObject({ processed: 2, deadLettered: 0 });
    expect(await activityOf(cloudAccountId)).toEqual([
      {
        organization_id: organizationId,
        actor: userId,
        type: 'link_account',
        subject: cloudAccountId,
        summary: 'Linked AWS account 123456789012 (Production)',
        status: 'completed',
        details: { provider: 'AWS', account_id: '123456789012', name: 'Production', event_id: events[0]!.id },
      },
      {
        organization_id: organizationId,
        actor: userId,
        type: 'unlink_account',
        subject: cloudAccountId,
        summary: 'Unlinked AWS account 123456789012 (Production)',
        status: 'completed',
        details: { provider: 'AWS', account_id: '123456789012', name: 'Production', event_id: events[1]!.id },
      },
    ]);
  });

  it('writes nothing when the handler runs again for an event it recorded, outside the consumer', async () => {
    const cloudAccountId = randomUUID();
    const processedBefore = consumer.metrics().processed;
    const event = await database.owner.transaction().execute((trx) =>
      outboxOf('ingestion').publish(trx, 'cloud_account.linked', {
        tenant: organizationId,
        data: { cloud_account_id: cloudAccountId, provider: 'GCP', account_id: 'stratus-demo', name: 'Demo' },
      }),
    );
    const apply = (envelope: EventEnvelope<'cloud_account.linked'>) =>
      withTenant(auditDb, organizationId, (trx) => handlers(audit.queues)['cloud_account.linked'](envelope, trx));

    // Concurrently, and then once more through the consumer, which sees the event as new.
    await Promise.all([apply(event), apply(event)]);
    await eventually(() => expect(consumer.metrics().processed).toBe(processedBefore + 1), { timeoutMs: 30_000 });

    const rows = await activityOf(cloudAccountId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: null, type: 'link_account', summary: 'Linked GCP account stratus-demo (Demo)' });
  });
});
