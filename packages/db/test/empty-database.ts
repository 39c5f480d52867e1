import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { databaseUrl, testEnv } from '@stratus/testing';
import { createDb, type Database } from '../src/index.ts';

export interface EmptyDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: testEnv.adminDatabaseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A brand-new database with no migration applied (the clones of createTestDatabase are migrated). */
export async function createEmptyDatabase(): Promise<EmptyDatabase> {
  const name = `stratus_e_${randomBytes(6).toString('hex')}`;
  await admin(`create database "${name}"`);
  return {
    url: databaseUrl(name),
    drop: () => admin(`drop database if exists "${name}" with (force)`),
  };
}

/**
 * A suite's own empty database and a client of it as the owner, made before its tests and dropped
 * after them. Read `.db` inside tests: it exists once beforeAll has run.
 */
export function useEmptyDatabase<DB = Database>(): { readonly db: Kysely<DB> } {
  let database: EmptyDatabase | undefined;
  let db: Kysely<DB> | undefined;
  beforeAll(async () => {
    database = await createEmptyDatabase();
    db = createDb({ url: database.url, max: 2 }) as unknown as Kysely<DB>;
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('useEmptyDatabase: the database exists only inside tests');
      return db;
    },
  };
}
