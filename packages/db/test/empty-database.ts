import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl, testEnv } from '@stratus/testing';

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
