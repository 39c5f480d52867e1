/**
 * The activity API: filters, cursor pages and CSV export; and the trace id an API call returned
 * (traceresponse) found on the audit and activity rows its api.request_recorded event caused.
 */
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import type { EventEnvelope } from '@stratus/events';
import { startTelemetry } from '@stratus/runtime/telemetry';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { eventually } from '@stratus/testing';
import { generateKey } from '@stratus/vault';
import { handlers, service } from '../../app.ts';
import type { env } from '../../config.ts';

let sdk: ReturnType<typeof startTelemetry>;
let audit: TestApp<typeof env>;

beforeAll(async () => {
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  sdk = startTelemetry('activity-test');
  audit = await startTestApp(service, { overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}` } });
});

afterAll(async () => {
  await audit?.close();
  await sdk?.shutdown();
});

describe('the trace of a request on its audit rows', () => {
  it('finds the trace id of a traceresponse on the audit row and the activity the call caused', async () => {
    // In a span, as the HTTP instrumentation runs every real request.
    const response = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      try {
        return await audit.app.inject({ method: 'POST', url: '/v1/webhook-signing-secret', headers: { authorization: `Bearer ${audit.token}` } });
      } finally {
        span.end();
      }
    });
    expect(response.statusCode).toBeLessThan(300);
    const traceId = String(response.headers.traceresponse).split('-')[1]!;

    // The event the call published, applied as the audit consumer applies it.
    const row = await eventually(async () => {
      const found = await audit.database.owner
        .selectFrom('event_outbox_events')
        .select('envelope')
        .where('type', '=', 'api.request_recorded')
        .executeTakeFirst();
      expect(found).toBeDefined();
      return found!;
    });
    const event = row.envelope as unknown as EventEnvelope<'api.request_recorded'>;
    await withTenant(audit.deps.db, audit.organizationId, (trx) => handlers(audit.deps.queues)['api.request_recorded'](event, trx));

    const auditRow = await audit.database.owner.selectFrom('audit_logs').selectAll().where('trace_id', '=', traceId).executeTakeFirstOrThrow();
    expect(auditRow).toMatchObject({ action: 'api.request_recorded', user_id: audit.userId, resource_type: '/v1/webhook-signing-secret', ip_address: '127.0.0.1' });

    const { body } = await audit.call('GET', `/v1/activity?trace_id=${traceId}`);
    expect(body.items).toEqual([
      expect.objectContaining({
        type: 'api.request_recorded',
        actor: audit.userId,
        status: String(response.statusCode),
        summary: `POST /v1/webhook-signing-secret (audit): ${response.statusCode}`,
        trace_id: traceId,
      }),
    ]);
  });
});

describe('GET /v1/activity', () => {
  beforeAll(async () => {
    const rows = [
      { type: 'link_account', subject: 'acct-1', status: 'completed', actor: audit.userId },
      { type: 'action.failed', subject: 'res-1', status: null, actor: null },
      { type: 'action.failed', subject: 'res-2', status: null, actor: null },
      { type: 'api.request_recorded', subject: 'res-1', status: '403', actor: audit.userId },
    ];
    for (const row of rows) {
      await withTenant(audit.deps.db, audit.organizationId, (trx) =>
        trx
          .insertInto('activity_log')
          .values({ organization_id: audit.organizationId, summary: `${row.type} ${row.subject}`, details: JSON.stringify({ note: 'a, "quoted"' }), ...row })
          .execute(),
      );
    }
  });

  it('filters by actor, type, resource, status and time', async () => {
    const subjects = async (query: string) => (await audit.call('GET', `/v1/activity?${query}`)).body.items.map((item: { subject: string }) => item.subject);
    expect(await subjects('type=action.failed')).toEqual(['res-2', 'res-1']);
    expect(await subjects('resource=res-1')).toEqual(['res-1', 'res-1']);
    expect(await subjects('status=403')).toEqual(['res-1']);
    expect((await subjects(`actor=${audit.userId}&type=link_account`))).toEqual(['acct-1']);
    expect(await subjects(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect(await subjects(`to=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).toEqual([]);
    expect((await audit.call('GET', '/v1/activity?actor=someone')).status).toBe(400);
  });

  it('pages with a cursor, newest first, and exports the filtered rows as CSV', async () => {
    const first = await audit.call('GET', '/v1/activity?type=action.failed&limit=1');
    expect(first.body.items.map((item: { subject: string }) => item.subject)).toEqual(['res-2']);
    const second = await audit.call('GET', `/v1/activity?type=action.failed&limit=1&cursor=${first.body.next_cursor}`);
    expect(second.body.items.map((item: { subject: string }) => item.subject)).toEqual(['res-1']);
    expect(second.body.next_cursor).toBeNull();

    const csv = await audit.call('GET', '/v1/activity/export?type=action.failed');
    expect(csv.status).toBe(200);
    const lines = String(csv.body).trim().split('\n');
    expect(lines[0]).toBe('created_at,id,type,actor,subject,status,summary,trace_id,details');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(',action.failed,,res-2,,action.failed res-2,,"{""note"":""a, \\""quoted\\""""}"');
  });
});
