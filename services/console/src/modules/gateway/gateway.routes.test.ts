import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authenticate, hashToken } from '@stratus/auth';
import { generateKey } from '@stratus/vault';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';
import { addUser, Browser } from '../../../test/browser.ts';

const PASSWORD = 'correct horse battery staple';
let app: TestApp<typeof env>;
let upstream: Server;
/** What the stand-in cost service received. */
const received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  upstream = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ method: request.method!, url: request.url!, headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ from: 'cost' }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  app = await startTestApp(service, {
    overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}`, CONSOLE_COST_URL: `http://127.0.0.1:${port}` },
  });
  await addUser(app.database.owner, app.organizationId, { email: 'viewer@a.test', role: 'viewer', password: PASSWORD });
});

afterAll(async () => {
  await app?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

it("proxies /api/cost/* with the session's API token in place of the browser's credentials, until sign-out revokes it", async () => {
  const browser = new Browser(app.app, '10.6.0.1');
  await browser.login('viewer@a.test', PASSWORD);
  const response = await browser.request('GET', '/api/cost/v1/costs/breakdown?group_by=service', {
    headers: { authorization: 'Bearer stratus_forged_by_the_page' },
  });
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ from: 'cost' });
  const seen = received.at(-1)!;
  expect(seen.url).toBe('/v1/costs/breakdown?group_by=service');
  expect(seen.headers.cookie).toBeUndefined();
  expect(seen.headers['x-csrf-token']).toBeUndefined();
  expect(seen.headers['x-forwarded-for']).toBe('10.6.0.1');
  const token = /^Bearer (\S+)$/.exec(String(seen.headers.authorization))?.[1];
  expect(token).toMatch(/^stratus_/);
  expect(token).not.toBe('stratus_forged_by_the_page');
  const row = await app.database.owner
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['users.email', 'api_tokens.role', 'api_tokens.expires_at'])
    .where('token_hash', '=', hashToken(token!))
    .executeTakeFirstOrThrow();
  expect(row).toMatchObject({ email: 'viewer@a.test', role: 'viewer' });
  expect(row.expires_at!.getTime()).toBeGreaterThan(Date.now() + 11 * 3_600_000);
  expect(await authenticate(app.database.owner, hashToken(token!))).toMatchObject({ role: 'viewer', organizationId: app.organizationId });

  const posted = await browser.request('POST', '/api/cost/v1/budgets', { body: { name: 'b' } });
  expect(posted.status).toBe(200);
  expect(received.at(-1)).toMatchObject({ method: 'POST', body: '{"name":"b"}' });

  await browser.request('POST', '/auth/logout');
  expect(await authenticate(app.database.owner, hashToken(token!))).toBeUndefined();
  expect((await browser.request('GET', '/api/cost/v1/costs/breakdown')).status).toBe(401);
});

it('answers 401 without a session and 403 to an unsafe request without a CSRF token, reaching no service', async () => {
  const count = received.length;
  const browser = new Browser(app.app, '10.6.0.2');
  const anonymous = await browser.request('GET', '/api/cost/v1/costs/breakdown', { headers: { authorization: `Bearer ${app.token}` } });
  expect(anonymous.status).toBe(401);
  expect(anonymous.body.error).toBe('unauthenticated');
  await browser.login('viewer@a.test', PASSWORD);
  const forged = await browser.request('POST', '/api/cost/v1/budgets', { body: {}, csrf: false });
  expect(forged.status).toBe(403);
  expect(forged.body.error).toBe('csrf');
  expect(received.length).toBe(count);
});

it('answers an unknown service under /api with a JSON 404', async () => {
  const browser = new Browser(app.app, '10.6.0.3');
  await browser.login('viewer@a.test', PASSWORD);
  const response = await browser.request('GET', '/api/billing/v1/x', { headers: { accept: 'text/html' } });
  expect(response.status).toBe(404);
  expect(response.body.error).toBe('not_found');
});
