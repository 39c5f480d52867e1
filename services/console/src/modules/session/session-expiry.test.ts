import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '@stratus/testing';
import { generateKey } from '@stratus/vault';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';
import { Browser, setPassword } from '../../../test/browser.ts';

const PASSWORD = 'correct horse battery staple';
let app: TestApp<typeof env>;

beforeAll(async () => {
  // A session idle for 0.6 s is gone.
  app = await startTestApp(service, { overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}`, CONSOLE_SESSION_IDLE_MINUTES: '0.01' } });
  await setPassword(app.database.owner, app.userId, PASSWORD);
});

afterAll(async () => {
  await app?.close();
});

it('ends a session left idle longer than CONSOLE_SESSION_IDLE_MINUTES: 401 unauthenticated, on /auth and /api alike', async () => {
  const browser = new Browser(app.app, '10.8.0.1');
  await browser.login('admin@a.test', PASSWORD);
  expect((await browser.request('GET', '/auth/me')).status).toBe(200);
  // Watched in Redis, not through the console: each request through the session would keep it alive.
  const sessions = `${app.deps.config.REDIS_PREFIX}:console:session:*`;
  await eventually(async () => expect(await app.deps.redis.keys(sessions)).toEqual([]), { timeoutMs: 5_000 });
  expect((await browser.request('GET', '/auth/me')).body).toMatchObject({ error: 'unauthenticated' });
  expect((await browser.request('GET', '/api/cost/v1/costs/breakdown')).status).toBe(401);
});
