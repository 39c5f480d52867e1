import { z } from 'zod';
import { loadConfig, postgresUrl } from '@stratus/config';
import { createDb } from '@stratus/db';

const cliEnv = z.object({ DATABASE_URL: postgresUrl });

export type CliConfig = z.infer<typeof cliEnv>;

export function cliConfig(): CliConfig {
  return loadConfig(cliEnv);
}

/**
 * Runs fn with a connection as the DATABASE_URL user, which owns the schema: the admin commands
 * write identity tables that the services' roles may only read, before any tenant exists.
 */
export async function withOwnerDb<T>(fn: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const db = createDb({ url: cliConfig().DATABASE_URL, max: 1, applicationName: 'stratus-cli' });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}
