import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type StratusServer } from '@stratus/http';
import { parsePrometheus } from '@stratus/testing';
import { observability } from './observability.plugin.ts';

let app: StratusServer;

beforeAll(async () => {
  app = buildServer({ logger: pino({ level: 'silent' }), service: 'test', version: '0.0.0' });
  await app.register(observability, { registry: new Registry() });
  await app.register(async (routes) => {
    routes.get('/v1/budgets/:id', async () => ({ ok: true }));
  });
  await app.ready();
});

afterAll(() => app.close());

it('times requests by route template, never by the URL, and serves them in the Prometheus text format', async () => {
  for (const id of ['7f1c', 'a9e2', 'b0d4']) expect((await app.inject({ method: 'GET', url: `/v1/budgets/${id}` })).statusCode).toBe(200);
  for (const path of ['/wp-admin', '/v1/budgets/x/y']) expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(404);

  const response = await app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toContain('text/plain');
  const metrics = parsePrometheus(response.body);
  expect(metrics.families.get('stratus_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
  expect(metrics.samples('stratus_http_request_duration_seconds_count')).toEqual([
    { labels: { method: 'GET', route: '/v1/budgets/:id', status_code: '200' }, value: 3 },
    { labels: { method: 'GET', route: 'unmatched', status_code: '404' }, value: 2 },
  ]);
  expect(response.body).not.toMatch(/7f1c|wp-admin/);
  // The process-wide registry is served beside the service's own (consumers, dead letters, jobs).
  expect(metrics.families.get('stratus_dead_letters_total')?.type).toBe('COUNTER');
  expect(metrics.families.get('stratus_consumer_lag')?.type).toBe('GAUGE');
});
