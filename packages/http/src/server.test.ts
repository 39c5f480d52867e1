import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { AppError, assertNever, type ErrorKind } from './app-error.ts';
import { buildServer, type StratusServer } from './server.ts';

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('buildServer', () => {
  let app: StratusServer;
  let lines: Array<Record<string, unknown>>;

  async function build(routes: (app: StratusServer) => void): Promise<StratusServer> {
    const captured = capturedLogger();
    lines = captured.lines;
    app = buildServer({ logger: captured.logger, service: 'test', version: '1.2.3' });
    // Routes go in a plugin, as services register them, so they load after swagger's route hook.
    app.register(async (scope) => routes(scope));
    await app.ready();
    return app;
  }

  afterEach(async () => {
    await app.close();
  });

  it('validates the body with zod and names every failing field', async () => {
    await build((app) => {
      app.post(
        '/budgets',
        { schema: { body: z.object({ name: z.string().min(1), owner: z.object({ email: z.email() }) }) } },
        async (request) => ({ name: request.body.name }),
      );
    });

    const response = await app.inject({ method: 'POST', url: '/budgets', payload: { name: '', owner: { email: 'nope' } } });

    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error).toBe('invalid');
    expect(body.details.issues.map((issue: { field: string }) => issue.field)).toEqual(['body.name', 'body.owner.email']);
    expect(body.message).toContain('body.owner.email');
  });

  it('refuses unknown query parameters and body fields with a 400 naming each, on every route', async () => {
    await build((app) => {
      app.get('/costs', { schema: { querystring: z.object({ account: z.uuid().optional() }) } }, async () => []);
      app.post('/budgets', { schema: { body: z.object({ name: z.string(), filters: z.object({ regions: z.array(z.string()).optional() }).optional() }) } }, async () => ({}));
      app.get('/plain', async () => []);
      app.post('/sync', async (_request, reply) => reply.status(202).send());
      app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));
      app.post('/upload', async (request) => {
        let bytes = 0;
        for await (const chunk of request.body as AsyncIterable<Buffer>) bytes += chunk.length;
        return { bytes };
      });
    });
    const query = await app.inject({ method: 'GET', url: '/costs?account_id=0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d' });
    expect(query.statusCode).toBe(400);
    expect(query.json().message).toBe('invalid request: querystring.account_id is not a known parameter');
    const body = await app.inject({ method: 'POST', url: '/budgets', payload: { name: 'b', nme: 'x', filters: { region: ['eu'] } } });
    expect(body.statusCode).toBe(400);
    expect(body.json().details.issues).toEqual([
      { field: 'body.filters.region', message: 'is not a known field' },
      { field: 'body.nme', message: 'is not a known field' },
    ]);
    // A route that declares no query parameters or no body takes none.
    expect((await app.inject({ method: 'GET', url: '/plain?limit=5' })).json().message).toBe('invalid request: querystring.limit is not a known parameter');
    const sync = await app.inject({ method: 'POST', url: '/sync', payload: { force: true } });
    expect(sync.statusCode).toBe(400);
    expect(sync.json().message).toBe('invalid request: body.force is not a known field');
    expect((await app.inject({ method: 'POST', url: '/sync', payload: {} })).statusCode).toBe(202);
    expect((await app.inject({ method: 'POST', url: '/sync' })).statusCode).toBe(202);
    const upload = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': 'text/csv' }, payload: 'a,b\n1,2\n' });
    expect(upload.json()).toEqual({ bytes: 8 });
    // The document tells clients the same rule.
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(document.paths['/budgets'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  });

  it('serialises responses through the zod schema, dropping undeclared fields', async () => {
    await build((app) => {
      app.get('/me', { schema: { response: { 200: z.object({ id: z.string() }) } } }, async () => ({ id: 'a', secret: 'x' }) as { id: string });
    });

    const response = await app.inject({ method: 'GET', url: '/me' });

    expect(response.json()).toEqual({ id: 'a' });
  });

  it.each([
    ['invalid', 400],
    ['unauthorized', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
    ['rate_limited', 429],
  ] as Array<[ErrorKind, number]>)('maps AppError %s to %i with its message and details', async (kind, status) => {
    await build((app) => {
      app.get('/fail', async () => {
        throw new AppError(kind, `it is ${kind}`, { details: { id: 'x' } });
      });
    });

    const response = await app.inject({ method: 'GET', url: '/fail' });

    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({ error: kind, message: `it is ${kind}`, details: { id: 'x' } });
  });

  it('asks for a bearer token on every 401', async () => {
    await build((app) => {
      app.get('/fail', async () => {
        throw new AppError('unauthorized', 'token required');
      });
    });

    const response = await app.inject({ method: 'GET', url: '/fail' });

    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('hides the cause of a 500 from the client and logs it', async () => {
    await build((app) => {
      app.get('/boom', async () => {
        throw new Error('connection to 10.0.0.7:5432 refused for user stratus');
      });
    });

    const response = await app.inject({ method: 'GET', url: '/boom' });

    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'internal', message: 'internal server error' });
    expect(response.body).not.toContain('10.0.0.7');
    const logged = lines.find((line) => line.msg === 'request failed');
    expect((logged?.err as { message: string }).message).toContain('10.0.0.7');
  });

  it('answers an unavailable AppError with 503 and a generic message', async () => {
    await build((app) => {
      app.get('/down', async () => {
        throw new AppError('unavailable', 'redis at 10.0.0.9 is down');
      });
    });

    const response = await app.inject({ method: 'GET', url: '/down' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ error: 'unavailable', message: 'service temporarily unavailable, retry later' });
  });

  it('keeps the status of fastify client errors (malformed JSON)', async () => {
    await build((app) => {
      app.post('/echo', async (request) => request.body);
    });

    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid');
  });

  it('answers unknown routes with a not_found body', async () => {
    await build(() => undefined);

    const response = await app.inject({ method: 'GET', url: '/nowhere' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'not_found', message: 'route GET /nowhere not found' });
  });

  it('publishes an OpenAPI 3 document with a bearer scheme and the routes\' zod schemas', async () => {
    await build((app) => {
      app.get('/resources', { schema: { querystring: z.object({ region: z.string() }) } }, async () => []);
    });

    const response = await app.inject({ method: 'GET', url: '/docs/json' });

    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info).toEqual({ title: 'stratus-test', version: '1.2.3' });
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/resources'].get.parameters).toEqual([
      expect.objectContaining({ name: 'region', in: 'query', required: true }),
    ]);
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});

describe('assertNever', () => {
  it('throws naming the unexpected value', () => {
    expect(() => assertNever('paused' as never, 'status')).toThrow('unexpected status: "paused"');
  });
});
