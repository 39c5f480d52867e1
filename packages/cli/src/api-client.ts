import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request as httpRequest, type Dispatcher } from 'undici';
import { z } from 'zod';
import { loadConfig } from '@stratus/config';
import { AppError } from '@stratus/http';

/**
 * The user-facing commands talk to the running services' APIs, as any client would: the token's
 * organisation and role decide what they may do, exactly as over HTTP.
 */
const apiEnv = z.object({
  STRATUS_URL: z.url({ error: 'must be the ingestion API base URL, e.g. http://127.0.0.1:8081' }).default('http://127.0.0.1:8081'),
  STRATUS_COST_URL: z.url({ error: 'must be the cost API base URL, e.g. http://127.0.0.1:8082' }).default('http://127.0.0.1:8082'),
  STRATUS_RECOMMENDATION_URL: z
    .url({ error: 'must be the recommendation API base URL, e.g. http://127.0.0.1:8083' })
    .default('http://127.0.0.1:8083'),
  STRATUS_ACTION_EXECUTOR_URL: z
    .url({ error: 'must be the action executor API base URL, e.g. http://127.0.0.1:8084' })
    .default('http://127.0.0.1:8084'),
  STRATUS_AUDIT_URL: z.url({ error: 'must be the audit API base URL, e.g. http://127.0.0.1:8085' }).default('http://127.0.0.1:8085'),
  STRATUS_TOKEN: z.string().min(1).optional(),
  STRATUS_TOKEN_FILE: z.string().default('.stratus/demo-token'),
});

/**
 * What a call sends: JSON, or a body (a file's stream, sent as it is read: fetch's streamed bodies
 * read the whole file ahead of the socket, gigabytes for a billing export).
 */
export interface RequestInit {
  json?: unknown;
  body?: Readable | string;
  contentType?: string;
}

export interface ApiClient {
  request<T>(method: string, path: string, init?: RequestInit): Promise<T>;
  /** A GET whose answer is not JSON (a CSV export), as text. */
  text(path: string): Promise<string>;
  /** A GET whose answer is a file, streamed into `file`; the bytes written. */
  download(path: string, file: string): Promise<number>;
}

/** Which service's API: ingestion (accounts, resources, imports) by default. */
export type ApiService = 'ingestion' | 'cost' | 'recommendation' | 'action-executor' | 'audit';

const URL_VARIABLES = {
  ingestion: 'STRATUS_URL',
  cost: 'STRATUS_COST_URL',
  recommendation: 'STRATUS_RECOMMENDATION_URL',
  'action-executor': 'STRATUS_ACTION_EXECUTOR_URL',
  audit: 'STRATUS_AUDIT_URL',
} as const satisfies Record<ApiService, keyof z.infer<typeof apiEnv>>;

export async function apiClient(service: ApiService = 'ingestion'): Promise<ApiClient> {
  const config = loadConfig(apiEnv);
  const token =
    config.STRATUS_TOKEN ??
    (await readFile(config.STRATUS_TOKEN_FILE, 'utf8').then(
      (text) => text.trim(),
      () => {
        throw new AppError(
          'invalid',
          `no API token: set STRATUS_TOKEN, or STRATUS_TOKEN_FILE (${config.STRATUS_TOKEN_FILE} does not exist; scripts/dev.sh writes it)`,
        );
      },
    ));
  const variable = URL_VARIABLES[service];
  const base = config[variable].replace(/\/$/, '');
  async function send(method: string, path: string, init: RequestInit = {}): Promise<Dispatcher.ResponseData> {
    let response: Dispatcher.ResponseData;
    try {
      response = await httpRequest(`${base}${path}`, {
        method: method as Dispatcher.HttpMethod,
        headers: {
          authorization: `Bearer ${token}`,
          ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(init.contentType ? { 'content-type': init.contentType } : {}),
        },
        body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      });
    } catch (error) {
      throw new AppError('unavailable', `cannot reach Stratus at ${base} (${variable}): ${(error as Error).message}. Is it running? (scripts/dev.sh)`);
    }
    // A 422 import report is an answer, not a failure of the call.
    if (response.statusCode >= 400 && response.statusCode !== 422) {
      const text = await response.body.text();
      const message = (text ? (JSON.parse(text) as { message?: string }).message : undefined) ?? `HTTP ${response.statusCode}`;
      throw new AppError(response.statusCode >= 500 ? 'unavailable' : 'invalid', `${method} ${path}: ${response.statusCode} ${message}`);
    }
    return response;
  }
  const call = async (method: string, path: string, init?: RequestInit) => (await send(method, path, init)).body.text();
  return {
    async request<T>(method: string, path: string, init: RequestInit = {}) {
      const text = await call(method, path, init);
      return text ? (JSON.parse(text) as T) : (undefined as T);
    },
    async text(path: string) {
      return call('GET', path);
    },
    async download(path: string, file: string) {
      const { body } = await send('GET', path);
      let bytes = 0;
      body.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      await pipeline(body, createWriteStream(file));
      return bytes;
    },
  };
}

/** Plain aligned columns, for lists read in a terminal. */
export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  const cell = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) => values.map((value, index) => value.padEnd(widths[index]!)).join('  ').trimEnd();
  console.log(line(columns.map((column) => column.toUpperCase())));
  for (const row of rows) console.log(line(columns.map((column) => cell(row[column]))));
}
