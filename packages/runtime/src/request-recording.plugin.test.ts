/**
 * Every authenticated change and every refusal is published as api.request_recorded through the
 * serving service's outbox, with who, from where, what, the outcome and the request's trace.
 */
import { trace } from '@opentelemetry/api';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, revokeApiToken } from '@stratus/auth';
import { serviceEnv } from '@stratus/config';
import { eventually } from '@stratus/testing';
import { startTelemetry } from './telemetry.ts';
import { startTestApp, type TestApp } from './test-app.ts';
import type { ServiceDefinition } from './run-service.ts';

const definition: ServiceDefinition<typeof serviceEnv> = {
  name: 'cost',
  version: '0.0.0',
  env: serviceEnv,
  async routes(app) {
    await app.register(async (routes) => {
      routes.patch('/v1/budgets/:id', { config: { permission: 'budgets:write' } }, async (request) => request.withTenant(async () => ({ ok: true })));
      routes.get('/v1/budgets/:id', { config: { permission: 'budgets:read' } }, async () => ({ ok: true }));
      routes.get('/v1/tokens', { config: { permission: 'tokens:read' } }, async () => ({ ok: true }));
    });
  },
};

let sdk: NodeSDK;
let test: TestApp<typeof serviceEnv>;

beforeAll(async () => {
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  sdk = startTelemetry('request-recording-test');
  test = await startTestApp(definition, { overrides: { PORT: '0' } });
});

afterAll(async () => {
  await test?.close();
  await sdk?.shutdown();
});

async function recorded() {
  const rows = await test.database.owner
    .selectFrom('event_outbox_events')
    .select(['envelope', 'producer'])
    .where('type', '=', 'api.request_recorded')
    .orderBy('seq')
    .orderBy('position')
    .execute();
  return rows.map((row) => ({ producer: row.producer, ...(row.envelope as { tenant: string; data: Record<string, unknown> }) }));
}

/** A request inside a span, as the HTTP instrumentation gives every real one. */
function inSpan(method: 'GET' | 'PATCH', url: string, token: string) {
  return trace.getTracer('test').startActiveSpan('request', async (span) => {
    try {
      return await test.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'user-agent': 'audit-test/1.0' }, payload: method === 'PATCH' ? {} : undefined });
    } finally {
      span.end();
    }
  });
}

describe('api.request_recorded', () => {
  it('records a change with who, from where, what, the outcome and the trace id of its traceresponse', async () => {
    const response = await inSpan('PATCH', '/v1/budgets/7b0c8f1e-2a43-4c5e-9a55-1f0e3c1d2b6a', test.token);
    expect(response.statusCode).toBe(200);
    const traceId = String(response.headers.traceresponse).split('-')[1];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    // Recorded once the response is sent.
    await eventually(async () => expect(await recorded()).toHaveLength(1));
    const [event] = await recorded();
    expect(event).toMatchObject({
      producer: 'cost',
      tenant: test.organizationId,
      data: {
        service: 'cost',
        method: 'PATCH',
        route: '/v1/budgets/:id',
        resource_id: '7b0c8f1e-2a43-4c5e-9a55-1f0e3c1d2b6a',
        status_code: 200,
        user_id: test.userId,
        ip_address: '127.0.0.1',
        user_agent: 'audit-test/1.0',
        trace_id: traceId,
      },
    });
  });

  it('records refusals (403 for a missing permission, 401 for a revoked token) and no plain read', async () => {
    const before = (await recorded()).length;
    const viewer = await createApiToken(test.database.owner, { organizationId: test.organizationId, userId: test.userId, role: 'viewer' });
    expect((await inSpan('GET', '/v1/budgets/7b0c8f1e-2a43-4c5e-9a55-1f0e3c1d2b6a', viewer.token)).statusCode).toBe(200);
    expect((await inSpan('GET', '/v1/tokens', viewer.token)).statusCode).toBe(403);
    // Cached by a read, then revoked: the write checks again and refuses.
    const admin = await createApiToken(test.database.owner, { organizationId: test.organizationId, userId: test.userId, role: 'admin' });
    expect((await inSpan('GET', '/v1/budgets/7b0c8f1e-2a43-4c5e-9a55-1f0e3c1d2b6a', admin.token)).statusCode).toBe(200);
    await revokeApiToken(test.database.owner, admin.id);
    expect((await inSpan('PATCH', '/v1/budgets/7b0c8f1e-2a43-4c5e-9a55-1f0e3c1d2b6a', admin.token)).statusCode).toBe(401);

    await eventually(async () => expect(await recorded()).toHaveLength(before + 2));
    const events = (await recorded()).slice(before);
    expect(events.map((event) => [event.data.method, event.data.route, event.data.status_code, event.data.token_id])).toEqual([
      ['GET', '/v1/tokens', 403, viewer.id],
      ['PATCH', '/v1/budgets/:id', 401, admin.id],
    ]);
  });
});
