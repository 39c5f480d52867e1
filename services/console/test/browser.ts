import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '@stratus/db';
import { hashPassword } from '@stratus/auth';

export interface BrowserResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
}

/**
 * A browser over app.inject: it keeps the cookies the console sets (and drops cleared ones), and
 * sends the CSRF token of GET /auth/csrf on unsafe requests unless told otherwise.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly app: FastifyInstance;
  /** The client address: rate limits count per address, so each test uses its own. */
  readonly address: string;
  #csrf: string | undefined;

  constructor(app: FastifyInstance, address = '127.0.0.1') {
    this.app = app;
    this.address = address;
  }

  async request(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    options: { body?: unknown; headers?: Record<string, string>; csrf?: boolean } = {},
  ): Promise<BrowserResponse> {
    const unsafe = method !== 'GET';
    if (unsafe && options.csrf !== false && !this.#csrf) this.#csrf = (await this.request('GET', '/auth/csrf')).body.token;
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await this.app.inject({
      method,
      url,
      remoteAddress: this.address,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(unsafe && options.csrf !== false && this.#csrf ? { 'x-csrf-token': this.#csrf } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
    });
    for (const set of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const cleared = set.value === '' || set.maxAge === 0 || (set.expires !== undefined && set.expires.getTime() <= Date.now());
      if (cleared) this.cookies.delete(set.name);
      else this.cookies.set(set.name, set.value);
    }
    const json = String(response.headers['content-type'] ?? '').includes('json');
    return { status: response.statusCode, headers: response.headers, body: json ? response.json() : response.body };
  }

  login(email: string, password: string, totp_code?: string): Promise<BrowserResponse> {
    return this.request('POST', '/auth/login', { body: { email, password, ...(totp_code ? { totp_code } : {}) } });
  }
}

/** Gives a user a password, as `stratus users set-password` does. */
export async function setPassword(owner: Kysely<Database>, userId: string, password: string): Promise<void> {
  await owner.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', userId).execute();
}

/** A user of the organisation with a role and a password, made as the owner (the CLI's way). */
export async function addUser(
  owner: Kysely<Database>,
  organizationId: string,
  user: { email: string; role: 'admin' | 'operator' | 'viewer'; password: string },
): Promise<string> {
  const row = await owner
    .insertInto('users')
    .values({ organization_id: organizationId, email: user.email, name: user.email, role: user.role, password_hash: await hashPassword(user.password) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
