import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@stratus/vault';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';

const dist = mkdtempSync(join(tmpdir(), 'stratus-console-dist-'));
const html = { accept: 'text/html,application/xhtml+xml' };
let built: TestApp<typeof env>;
let unbuilt: TestApp<typeof env>;

beforeAll(async () => {
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Stratus</title>');
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dist, 'favicon.svg'), '<svg/>');
  const keys = `k1:${generateKey()}`;
  [built, unbuilt] = await Promise.all([
    startTestApp(service, { overrides: { CREDENTIALS_KEYS: keys, CONSOLE_WEB_DIST: dist } }),
    startTestApp(service, { overrides: { CREDENTIALS_KEYS: keys, CONSOLE_WEB_DIST: join(dist, 'missing') } }),
  ]);
});

afterAll(async () => {
  await Promise.all([built?.close(), unbuilt?.close()]);
  rmSync(dist, { recursive: true, force: true });
});

const get = (app: TestApp<typeof env>, url: string, headers: Record<string, string> = {}) => app.app.inject({ method: 'GET', url, headers });

describe('the built web app', () => {
  it('serves index.html at / and for any page a browser asks for (the app routes on the client), query included', async () => {
    for (const url of ['/', '/inventory/3f1c?provider=AWS&tag=env:prod', '/settings/users']) {
      const response = await get(built, url, html);
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain('<title>Stratus</title>');
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves built files, hashed assets for a year', async () => {
    const asset = await get(built, '/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log(1)');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get(built, '/favicon.svg')).body).toBe('<svg/>');
  });

  it('answers JSON 404 for a missing file, a path outside the build, and unknown /auth and /api paths', async () => {
    expect((await get(built, '/assets/missing.js')).statusCode).toBe(404);
    expect((await get(built, '/..%2f..%2fetc%2fpasswd')).statusCode).toBe(404);
    for (const url of ['/auth/nothing', '/api/nothing', '/docs/nothing']) {
      const response = await get(built, url, html);
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error).toBe('not_found');
    }
  });

  it('leaves health and metrics to the runtime', async () => {
    expect((await get(built, '/healthz', html)).json()).toMatchObject({ status: 'ok' });
  });
});

it('answers 503 saying how to build the app when it is not built', async () => {
  const response = await get(unbuilt, '/', html);
  expect(response.statusCode).toBe(503);
  expect(response.body).toContain('pnpm --filter @stratus/console-web build');
  expect((await get(unbuilt, '/inventory', html)).statusCode).toBe(503);
});
