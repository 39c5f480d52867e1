import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@stratus/vault';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';
import { addUser, Browser, setPassword } from '../../../test/browser.ts';

const PASSWORD = 'correct horse battery staple';
let app: TestApp<typeof env>;

beforeAll(async () => {
  app = await startTestApp(service, { overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}` } });
  await setPassword(app.database.owner, app.userId, PASSWORD);
});

afterAll(async () => {
  await app?.close();
});

async function eventsOf(type: string) {
  const rows = await app.database.owner.selectFrom('event_outbox_events').select(['type', 'envelope']).where('type', '=', type).execute();
  return rows.map((row) => row.envelope as { subject: string; data: Record<string, unknown> });
}

describe('sign-in', () => {
  it('signs in with email and password: an httpOnly SameSite=Strict session cookie, /auth/me, last_login and user.signed_in', async () => {
    const browser = new Browser(app.app, '10.0.0.1');
    const response = await browser.login('Admin@A.test', PASSWORD);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      user: { id: app.userId, email: 'admin@a.test', name: 'admin@a.test', role: 'admin', mfa_enabled: false },
      organization: { id: app.organizationId, name: 'A' },
    });
    const setCookie = ([] as string[]).concat(response.headers['set-cookie'] as string[]).find((line) => line.startsWith('stratus_session='));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/);

    const me = await browser.request('GET', '/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual(response.body);
    const user = await app.database.owner.selectFrom('users').select('last_login').where('id', '=', app.userId).executeTakeFirstOrThrow();
    expect(user.last_login).toBeInstanceOf(Date);
    expect((await eventsOf('user.signed_in')).map((event) => event.data)).toContainEqual(
      expect.objectContaining({ user_id: app.userId, second_factor: false, ip_address: '10.0.0.1' }),
    );
  });

  it('gives a new session id at each sign-in', async () => {
    const browser = new Browser(app.app, '10.0.0.2');
    await browser.login('admin@a.test', PASSWORD);
    const first = browser.cookies.get('stratus_session')!;
    await browser.login('admin@a.test', PASSWORD);
    expect(browser.cookies.get('stratus_session')).not.toBe(first);
    // The earlier session ended with the new sign-in.
    const stale = new Browser(app.app, '10.0.0.2');
    stale.cookies.set('stratus_session', first);
    expect((await stale.request('GET', '/auth/me')).status).toBe(401);
    expect((await browser.request('GET', '/auth/me')).status).toBe(200);
  });

  it('answers a wrong password and an unknown email alike, and records the failure of a known user', async () => {
    const browser = new Browser(app.app, '10.0.0.3');
    const wrong = await browser.login('admin@a.test', 'not the password at all');
    const unknown = await browser.login('nobody@a.test', PASSWORD);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_credentials', message: 'wrong email or password' });
    expect(unknown.body).toEqual(wrong.body);
    expect(browser.cookies.has('stratus_session')).toBe(false);
    expect((await eventsOf('user.sign_in_failed')).map((event) => event.data)).toContainEqual(
      expect.objectContaining({ user_id: app.userId, reason: 'invalid_credentials', ip_address: '10.0.0.3' }),
    );
    expect((await browser.request('GET', '/auth/me')).body).toMatchObject({ error: 'unauthenticated' });
  });

  it('refuses a disabled user with the same answer', async () => {
    const id = await addUser(app.database.owner, app.organizationId, { email: 'gone@a.test', role: 'viewer', password: PASSWORD });
    await app.database.owner.updateTable('users').set({ status: 'disabled' }).where('id', '=', id).execute();
    const response = await new Browser(app.app, '10.0.0.4').login('gone@a.test', PASSWORD);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_credentials');
  });

  it('limits failures per email: the sixth attempt in 15 minutes is refused with 429 and Retry-After, even with the right password', async () => {
    await addUser(app.database.owner, app.organizationId, { email: 'target@a.test', role: 'viewer', password: PASSWORD });
    for (let attempt = 0; attempt < 5; attempt += 1) {
      // Each from another address: the per-email count is what stops this.
      expect((await new Browser(app.app, `10.1.0.${attempt}`).login('target@a.test', `wrong password ${attempt}`)).status).toBe(401);
    }
    const limited = await new Browser(app.app, '10.1.0.99').login('target@a.test', PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(800);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(900);
  });

  it('counts per client address behind a proxy by X-Forwarded-For when TRUST_PROXY names the proxy', async () => {
    const proxied = await startTestApp(service, { overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}`, TRUST_PROXY: '10.9.0.0/16' } });
    try {
      await setPassword(proxied.database.owner, proxied.userId, PASSWORD);
      const viaProxy = (client: string) => ({ 'x-forwarded-for': client });
      const browser = new Browser(proxied.app, '10.9.0.1');
      for (let attempt = 0; attempt < 30; attempt += 1) {
        await browser.request('POST', '/auth/login', { body: { email: `x${attempt}@a.test`, password: 'a wrong password' }, headers: viaProxy('198.51.100.1') });
      }
      const blocked = await browser.request('POST', '/auth/login', { body: { email: 'admin@a.test', password: PASSWORD }, headers: viaProxy('198.51.100.1') });
      expect(blocked.status).toBe(429);
      // Another client behind the same proxy is not held back by the first one's failures.
      const other = await browser.request('POST', '/auth/login', { body: { email: 'admin@a.test', password: PASSWORD }, headers: viaProxy('198.51.100.2') });
      expect(other.status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('limits failures per client address across emails', async () => {
    const browser = new Browser(app.app, '10.2.0.1');
    for (let attempt = 0; attempt < 30; attempt += 1) {
      expect((await browser.login(`someone${attempt}@a.test`, 'a wrong password')).status).toBe(401);
    }
    expect((await browser.login('admin@a.test', PASSWORD)).status).toBe(429);
    expect((await new Browser(app.app, '10.2.0.2').login('admin@a.test', PASSWORD)).status).toBe(200);
  });
});

describe('CSRF', () => {
  it('refuses an unsafe request without the token or with a wrong one, login included', async () => {
    const browser = new Browser(app.app, '10.3.0.1');
    const missing = await browser.request('POST', '/auth/login', { body: { email: 'admin@a.test', password: PASSWORD }, csrf: false });
    expect(missing.status).toBe(403);
    expect(missing.body.error).toBe('csrf');
    await browser.request('GET', '/auth/csrf');
    const wrong = await browser.request('POST', '/auth/login', {
      body: { email: 'admin@a.test', password: PASSWORD },
      csrf: false,
      headers: { 'x-csrf-token': 'forged-token' },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ error: 'csrf', message: expect.stringContaining('invalid x-csrf-token') });

    expect((await browser.login('admin@a.test', PASSWORD)).status).toBe(200);
    const logout = await browser.request('POST', '/auth/logout', { csrf: false });
    expect(logout.status).toBe(403);
    expect((await browser.request('GET', '/auth/me')).status).toBe(200);
  });

  it("does not take another browser's token", async () => {
    const mine = new Browser(app.app, '10.3.0.2');
    const theirs = new Browser(app.app, '10.3.0.3');
    const theirToken = (await theirs.request('GET', '/auth/csrf')).body.token;
    await mine.request('GET', '/auth/csrf');
    const response = await mine.request('POST', '/auth/login', {
      body: { email: 'admin@a.test', password: PASSWORD },
      csrf: false,
      headers: { 'x-csrf-token': theirToken },
    });
    expect(response.status).toBe(403);
  });
});

describe('sign-out', () => {
  it("ends the session and revokes its API token", async () => {
    const browser = new Browser(app.app, '10.4.0.1');
    await browser.login('admin@a.test', PASSWORD);
    const before = await app.database.owner.selectFrom('api_tokens').select(['id', 'revoked_at', 'expires_at']).where('name', '=', 'console session').where('revoked_at', 'is', null).execute();
    expect(before.length).toBeGreaterThan(0);
    expect((await browser.request('POST', '/auth/logout')).status).toBe(204);
    expect(browser.cookies.has('stratus_session')).toBe(false);
    const after = await app.database.owner.selectFrom('api_tokens').select(['id', 'revoked_at']).where('id', 'in', before.map((row) => row.id)).execute();
    expect(after.filter((row) => row.revoked_at !== null)).toHaveLength(1);
    expect((await eventsOf('user.signed_out')).map((event) => event.data.user_id)).toContain(app.userId);
  });

  it('answers 204 without a session too', async () => {
    expect((await new Browser(app.app, '10.4.0.2').request('POST', '/auth/logout')).status).toBe(204);
  });
});

describe('TOTP second factor', () => {
  it('is set up, enabled with a code, then required at sign-in; a wrong or replayed code is refused; disabled with a code', async () => {
    const email = 'mfa@a.test';
    const userId = await addUser(app.database.owner, app.organizationId, { email, role: 'operator', password: PASSWORD });
    const browser = new Browser(app.app, '10.5.0.1');
    await browser.login(email, PASSWORD);

    const setup = await browser.request('POST', '/auth/totp/setup');
    expect(setup.status).toBe(200);
    expect(setup.body.otpauth_url).toMatch(/^otpauth:\/\/totp\/Stratus:mfa%40a\.test\?.*secret=/);
    const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret) });
    const stored = await app.database.owner.selectFrom('user_totp_secrets').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored.secret)).not.toContain(setup.body.secret);
    expect(stored.enabled_at).toBeNull();

    expect((await browser.request('POST', '/auth/totp/enable', { body: { code: '000000' === totp.generate() ? '111111' : '000000' } })).status).toBe(400);
    const code = totp.generate();
    expect((await browser.request('POST', '/auth/totp/enable', { body: { code } })).status).toBe(204);
    expect((await browser.request('GET', '/auth/me')).body.user.mfa_enabled).toBe(true);

    const next = new Browser(app.app, '10.5.0.2');
    expect((await next.login(email, PASSWORD)).body).toMatchObject({ error: 'totp_required' });
    expect((await next.login(email, PASSWORD, code)).body).toMatchObject({ error: 'invalid_totp' });
    // The code of the next time step is still within the accepted window, and not used yet.
    const fresh = totp.generate({ timestamp: Date.now() + 30_000 });
    const signedIn = await next.login(email, PASSWORD, fresh);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.mfa_enabled).toBe(true);
    expect((await new Browser(app.app, '10.5.0.3').login(email, PASSWORD, fresh)).body).toMatchObject({ error: 'invalid_totp' });
    expect((await eventsOf('user.updated')).map((event) => event.data)).toContainEqual({
      user_id: userId,
      target_user_id: userId,
      mfa_enabled: { from: false, to: true },
    });

    const previous = totp.generate({ timestamp: Date.now() - 30_000 });
    expect((await next.request('POST', '/auth/totp/disable', { body: { code: previous } })).status).toBe(204);
    expect((await new Browser(app.app, '10.5.0.4').login(email, PASSWORD)).status).toBe(200);
    expect(await app.database.owner.selectFrom('user_totp_secrets').select('user_id').where('user_id', '=', userId).execute()).toEqual([]);
  });

  it('needs a session', async () => {
    expect((await new Browser(app.app, '10.5.0.5').request('POST', '/auth/totp/setup')).status).toBe(401);
  });
});
