import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { runMigrations } from '@stratus/db';
import { databaseUrl, testEnv } from './env.ts';

/**
 * What the benchmarks share: a migrated database of their own, timing, and the COPY baseline.
 * Imported as '@stratus/testing/bench': benchmarks run under plain node, outside vitest.
 */
export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `stratus_bench_${label}_${process.pid}`;
  const url = databaseUrl(name);
  const admin = new pg.Client({ connectionString: testEnv.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await runMigrations(url, { info: () => {} });
  return {
    url,
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export const rate = (count: number, ms: number) => Math.round(count / (ms / 1000));

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** A value in COPY's text format. */
export function copyText(value: string | null): string {
  return value === null ? '\\N' : value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/**
 * COPY of prepared lines (COPY text format, one per row, newline-terminated) in one transaction,
 * as the owner: COPY FROM is not allowed under row-level security.
 */
export async function copyLines(databaseUrl: string, table: string, columns: readonly string[], lines: Iterable<string>): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await pipeline(Readable.from(lines), client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`)));
    await client.query('commit');
  } finally {
    await client.end();
  }
}

export { testEnv };
