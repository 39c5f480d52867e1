import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '@stratus/db';
import { databaseUrl, testEnv } from './env.ts';

export interface TestDatabase {
  name: string;
  /** Connection URL of the clone; connects as the superuser that owns it. */
  url: string;
  /** A Kysely client as the owner (bypasses row-level security: for arranging and checking). */
  owner: Kysely<Database>;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('templateDatabase');
  const name = `stratus_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testEnv.adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle connection ended by the server (another file's cleanup, a restart) must not crash the run.
  pool.on('error', (error) => process.emitWarning(`test database ${name}: idle connection lost: ${error.message}`));
  const owner = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    name,
    url,
    owner,
    async drop() {
      await owner.destroy();
      const client = new pg.Client({ connectionString: testEnv.adminDatabaseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

// The key global-setup.ts provides; declared here, beside its only reader, so every package that
// imports @stratus/testing sees it without listing the setup file in its tsconfig.
declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}
