import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../src/app.ts';
import type { env } from '../src/config.ts';

export type IngestionApp = TestApp<typeof env>;

/** The ingestion service's real app (see startTestApp) with a fresh vault key and the simulated cloud. */
export function startIngestionApp(options: { logger?: Logger; overrides?: Record<string, string> } = {}): Promise<IngestionApp> {
  return startTestApp(service, {
    ...options,
    overrides: { CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}`, STRATUS_CLOUD: 'sim', ...options.overrides },
  });
}
