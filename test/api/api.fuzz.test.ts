/**
 * The API fuzz tier: every route of every service, walked from the OpenAPI document the service
 * serves. Unknown query parameters and body fields are refused with a 400 naming them, and no
 * request, however hostile, gets a 5xx. FUZZ_SEED replays a run (its seed is printed);
 * FUZZ_RUNS sets the random requests per operation.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '@stratus/auth';
import type { ServiceDefinition } from '@stratus/runtime';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { fuzzOperation, fuzzSeed, hostileRequests, operationsOf, payloadOf, withUnknownKey, type FuzzRequest, type OpenApiDocument, type Operation } from '@stratus/testing/api-fuzz';
import { service as actionExecutor } from '../../services/action-executor/src/app.ts';
import { service as audit } from '../../services/audit/src/app.ts';
import { service as consoleService } from '../../services/console/src/app.ts';
import { service as cost } from '../../services/cost/src/app.ts';
import { service as ingestion } from '../../services/ingestion/src/app.ts';
import { service as recommendation } from '../../services/recommendation/src/app.ts';

const seed = fuzzSeed();
const runs = Number(process.env.FUZZ_RUNS ?? 25);
console.log(`api fuzz: seed ${seed}, ${runs} random requests per operation (replay with FUZZ_SEED=${seed})`);

const UNKNOWN = 'stratus_unknown_key';

/** Each service and where its API lives: the console's is its sign-in, under /auth. */
const services: Array<[string, ServiceDefinition<any>, string]> = [
  ['ingestion', ingestion, '/v1/'],
  ['cost', cost, '/v1/'],
  ['audit', audit, '/v1/'],
  ['recommendation', recommendation, '/v1/'],
  ['action-executor', actionExecutor, '/v1/'],
  ['console', consoleService, '/auth/'],
];

/**
 * The console authenticates people by a session cookie and wants a CSRF token on writes: the fuzz
 * sends those of a signed-in admin, so requests reach the handlers rather than stop at the guards.
 */
async function browserHeaders(app: TestApp<any>): Promise<Record<string, string>> {
  const password = 'the fuzzing admin password';
  await app.database.owner.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', app.userId).execute();
  const csrf = await app.app.inject({ method: 'GET', url: '/auth/csrf' });
  const csrfCookie = csrf.cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
  const headers = { cookie: csrfCookie, 'x-csrf-token': csrf.json().token as string };
  const login = await app.app.inject({ method: 'POST', url: '/auth/login', headers, payload: { email: 'admin@a.test', password } });
  expect(login.statusCode).toBe(200);
  return { ...headers, cookie: [csrfCookie, ...login.cookies.map((cookie) => `${cookie.name}=${cookie.value}`)].join('; ') };
}

const extraHeaders = new WeakMap<TestApp<any>, Record<string, string>>();

async function send(app: TestApp<any>, request: FuzzRequest) {
  return app.app.inject({
    method: request.method,
    url: request.url,
    headers: {
      authorization: `Bearer ${app.token}`,
      ...extraHeaders.get(app),
      ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(request.body !== undefined ? { payload: payloadOf(request.body) } : {}),
  });
}

const describeRequest = (operation: Operation, request: FuzzRequest) =>
  `${operation.method} ${operation.path}: ${request.method} ${request.url.slice(0, 300)} ${request.body === undefined ? '' : payloadOf(request.body).slice(0, 300)}`;

describe.each(services)('the %s API', (name, definition, prefix) => {
  let app: TestApp<any>;
  let operations: Operation[];

  beforeAll(async () => {
    app = await startTestApp(definition, { overrides: { CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}`, STRATUS_CLOUD: 'sim' } });
    const document = (await app.app.inject({ method: 'GET', url: '/docs/json' })).json() as OpenApiDocument;
    operations = operationsOf(document).filter((operation) => operation.path.startsWith(prefix));
    if (name === 'console') extraHeaders.set(app, await browserHeaders(app));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('refuses an unknown query parameter on every route, and an unknown body field on every route with a JSON body', async () => {
    expect(operations.length).toBeGreaterThan(0);
    const accepted: string[] = [];
    for (const operation of operations) {
      // Fastify checks the body before the query: the draws whose body is refused for another reason do not count.
      let named = false;
      for (let attempt = 0; attempt < 30 && !named; attempt += 1) {
        const response = await send(app, withUnknownKey(operation, 'querystring', UNKNOWN, seed + attempt));
        named = response.statusCode === 400 && response.json().message.includes(`querystring.${UNKNOWN} is not a known parameter`);
        if (response.statusCode < 400) break;
      }
      if (!named) accepted.push(`${operation.method} ${operation.path} ?${UNKNOWN}`);
      if (operation.method === 'GET' || operation.method === 'DELETE') continue;
      const response = await send(app, withUnknownKey(operation, 'body', UNKNOWN, seed));
      if (response.statusCode !== 400 || !response.json().message.includes(`body.${UNKNOWN} is not a known field`)) {
        accepted.push(`${operation.method} ${operation.path} body.${UNKNOWN}: ${response.statusCode} ${response.body.slice(0, 200)}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('answers every hostile value in every slot of every route without a 5xx', async () => {
    const failures: string[] = [];
    for (const operation of operations) {
      for (const request of hostileRequests(operation, seed)) {
        const response = await send(app, request);
        if (response.statusCode >= 500) failures.push(`${response.statusCode} ${describeRequest(operation, request)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers random requests drawn from the schemas without a 5xx', async () => {
    for (const operation of operations) {
      await fuzzOperation(
        operation,
        async (request) => {
          const response = await send(app, request);
          if (response.statusCode >= 500) throw new Error(`${response.statusCode} ${describeRequest(operation, request)}: ${response.body}`);
        },
        { seed, runs },
      );
    }
  });
});
