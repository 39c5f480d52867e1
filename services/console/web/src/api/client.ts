/**
 * The one way the app talks to the console server: same-origin cookies, the CSRF token on every
 * unsafe method, and a 401 anywhere but the sign-in calls hands the user back to /sign-in.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const record = (typeof body === 'object' && body !== null ? body : {}) as { error?: string; message?: string };
    super(record.message ?? record.error ?? `request failed with status ${status}`);
    this.status = status;
    this.code = record.error;
    this.body = body;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let csrfToken: Promise<string> | undefined;
let onUnauthorized: () => void = () => {};

/** Set once by the app: what to do when the session is gone (navigate to the sign-in page). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** Sign-in and sign-out change the session the token belongs to: fetch a fresh one next time. */
export function forgetCsrfToken(): void {
  csrfToken = undefined;
}

async function fetchCsrfToken(): Promise<string> {
  const response = await fetch('/auth/csrf', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!response.ok) throw new ApiError(response.status, await readBody(response));
  return ((await response.json()) as { token: string }).token;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Query;
  /** The sign-in calls answer 401 for a wrong password: that is not an expired session. */
  expectUnauthorized?: boolean;
}

export async function request<T>(path: string, options: RequestOptions = {}, retried = false): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method)) {
    csrfToken ??= fetchCsrfToken().catch((error: unknown) => {
      csrfToken = undefined;
      throw error;
    });
    headers['x-csrf-token'] = await csrfToken;
  }
  const response = await fetch(withQuery(path, options.query), {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const body = await readBody(response);
  if (response.ok) return body as T;
  const error = new ApiError(response.status, body);
  // A token from before a sign-in may no longer match the session: fetch a fresh one once.
  if (response.status === 403 && error.code === 'csrf' && !retried) {
    forgetCsrfToken();
    return request<T>(path, options, true);
  }
  if (response.status === 401 && !options.expectUnauthorized) onUnauthorized();
  throw error;
}

/** `/api/<service>/v1/...`: the console's gateway to the five services. */
export type Service = 'ingestion' | 'cost' | 'recommendation' | 'action-executor' | 'audit';

export const api = <T>(service: Service, path: string, options?: RequestOptions): Promise<T> =>
  request<T>(`/api/${service}/v1${path}`, options);

export const apiUrl = (service: Service, path: string, query?: Query): string => withQuery(`/api/${service}/v1${path}`, query);
