import type { TestProject } from 'vitest/node';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest, type Database } from '@stratus/db';
import { databaseUrl, testEnv } from './env.ts';

/**
 * Migrates one template database per test run; every test file then clones it
 * (CREATE DATABASE ... TEMPLATE), which takes milliseconds and isolates files that run in parallel.
 */
export default async function setup(project: TestProject) {
  const template = `stratus_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: testEnv.adminDatabaseUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `tests need PostgreSQL at ${testEnv.adminDatabaseUrl} (set TEST_DATABASE_URL, or run scripts/test.sh which starts it): ${(error as Error).message}`,
    );
  }
  await admin.query(`CREATE DATABASE "${template}"`);
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(template), max: 1 }) }),
  });
  try {
    await migrateToLatest(db);
    // Nobody may stay connected to a template, or CREATE DATABASE ... TEMPLATE fails.
    await sql`select 1`.execute(db);
  } finally {
    await db.destroy();
  }
  project.provide('templateDatabase', template);

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await admin.end();
  };
}
