/**
 * Every type of the event catalogue, published through an outbox and relayed to the real Kafka, is
 * recorded in the audit chain and the activity stream: one row of each per event, none dropped.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import { buildEvent, eventTypes, outboxOf, type EventEnvelope } from '@stratus/events';
import { samples } from '@stratus/events/samples';
import { eventually } from '@stratus/testing';
import { startAuditConsumer, type AuditConsumer } from '../../test/audit-consumer.ts';
import { handlers } from '../app.ts';
import { verifyOrganization } from '../modules/audit/audit-chain.service.ts';

let audit: AuditConsumer;

beforeAll(async () => {
  audit = await startAuditConsumer(['ingestion']);
});

afterAll(async () => {
  await audit?.close();
});

function recorded(eventIds: readonly string[]) {
  const { owner } = audit.database;
  return Promise.all([
    owner.selectFrom('audit_logs').select(['event_id', 'action', 'resource_id', 'details']).where('event_id', 'in', eventIds).execute(),
    owner
      .selectFrom('activity_log')
      .select(['type', 'summary', 'details'])
      .where((eb) => eb(eb.ref('details', '->>').key('event_id'), 'in', eventIds))
      .execute(),
  ]);
}

describe('the audit service records every event', () => {
  it('writes one audit row and one activity row for an event of every type of the catalogue', async () => {
    const all = samples();
    const events = await audit.database.owner.transaction().execute(async (trx) => {
      const published: EventEnvelope[] = [];
      for (const type of eventTypes) {
        published.push(await outboxOf('ingestion').publish(trx, type, { tenant: audit.organizationId, data: all[type] as never }));
      }
      return published;
    });
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(eventTypes.length), { timeoutMs: 60_000 });

    const [auditRows, activityRows] = await recorded(events.map((event) => event.id));
    expect(audit.consumer.metrics().deadLettered).toBe(0);
    expect(auditRows.map((row) => row.action).sort()).toEqual([...eventTypes].sort());
    expect(activityRows).toHaveLength(eventTypes.length);
    for (const event of events) {
      const row = auditRows.find((candidate) => candidate.event_id === event.id);
      expect(row, event.type).toMatchObject({ details: { data: JSON.parse(JSON.stringify(event.data)) } });
    }
  });

  it('records, escaped, an event whose strings PostgreSQL cannot hold (a lone surrogate, NUL), instead of dead-lettering it', async () => {
    const processed = audit.consumer.metrics().processed;
    const account = { ...samples()['cloud_account.linked'], name: 'Prod\uD800 \u0000end' };
    // Straight to Kafka, as a producer that let the name through would send it.
    const event = {
      id: '0193a7c0-0000-7000-8000-000000000001',
      type: 'cloud_account.linked',
      version: 1,
      time: new Date().toISOString(),
      tenant: audit.organizationId,
      subject: account.cloud_account_id,
      data: account,
    } as EventEnvelope;
    await audit.redeliver([event]);
    await eventually(() => expect(audit.consumer.metrics().processed).toBe(processed + 1), { timeoutMs: 30_000 });

    expect(audit.consumer.metrics().deadLettered).toBe(0);
    const [[auditRow], [activityRow]] = await recorded([event.id]);
    expect(auditRow?.details).toMatchObject({ escaped: true, data: { name: 'Prod\\ud800 \\u0000end' } });
    expect(activityRow).toMatchObject({
      type: 'link_account',
      summary: `Linked AWS account 123456789012 (Prod\\ud800 \\u0000end)`,
      details: { name: 'Prod\\ud800 \\u0000end', escaped: true },
    });
  });

  it('chains a run of events in their order, each once, and the verifier finds the chain whole', async () => {
    const sample = samples()['resource.discovered'];
    const events = Array.from({ length: 5 }, (_, index) =>
      buildEvent('resource.discovered', {
        tenant: audit.organizationId,
        data: { ...sample, resource: { ...sample.resource, id: randomUUID(), name: `run-${index}` } },
      }).envelope,
    );
    const { applyMany } = handlers(audit.queues)['resource.discovered'];
    const applyRun = (run: EventEnvelope<'resource.discovered'>[]) => withTenant(audit.auditDb, audit.organizationId, (trx) => applyMany!(run, trx));
    await applyRun(events.slice(0, 3));
    // The third again, as a redelivered run beside new events: recorded once.
    await applyRun(events.slice(2));

    const ids = events.map((event) => event.id);
    const chained = await audit.database.owner
      .selectFrom('audit_logs')
      .select(['event_id', 'sequence'])
      .where('event_id', 'in', ids)
      .orderBy('sequence')
      .execute();
    expect(chained.map((row) => row.event_id)).toEqual(ids);
    expect(chained.slice(0, 3).map((row) => Number(row.sequence) - Number(chained[0]!.sequence))).toEqual([0, 1, 2]);
    const [, activityRows] = await recorded(ids);
    expect(activityRows).toHaveLength(5);
    const report = await verifyOrganization(audit.auditDb, audit.organizationId, undefined);
    expect(report.rows).toBeGreaterThanOrEqual(5);
    expect(report.valid_rows).toBe(report.rows);
  });
});
