import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { sql, type Kysely } from 'kysely';
import { runMigrations, type Database } from '@stratus/db';
import { databaseUrl, testEnv, testRateLimits } from './env.ts';

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

/** An organisation of its own with one AWS account; a sim of `resources` resources when given. */
export async function createBenchAccount(owner: Kysely<Database>, options: { account_id: string; sim?: { seed: string; resources: number } }) {
  const organization = await owner.insertInto('organizations').values({ name: 'bench' }).returning('id').executeTakeFirstOrThrow();
  return owner
    .insertInto('cloud_accounts')
    .values({
      organization_id: organization.id,
      name: 'bench',
      provider: 'AWS',
      account_id: options.account_id,
      ...(options.sim ? { settings: JSON.stringify({ adapter: 'sim', sim: options.sim }) } : {}),
    })
    .returning(['id', 'organization_id', 'provider', 'account_id', 'settings'])
    .executeTakeFirstOrThrow();
}

/** WAL the PostgreSQL server has written since it started (pg_stat_wal, every database's): a benchmark takes it before and after. */
export async function walWritten(db: Kysely<Database>): Promise<{ records: number; bytes: number }> {
  const { rows } = await sql<{ records: string; bytes: string }>`select wal_records as records, wal_bytes as bytes from pg_stat_wal`.execute(db);
  return { records: Number(rows[0]!.records), bytes: Number(rows[0]!.bytes) };
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
 * COPY of prepared lines (COPY text format, one per row, newline-terminated; or a stream of them) in one transaction,
 * as the owner: COPY FROM is not allowed under row-level security.
 */
export async function copyLines(databaseUrl: string, table: string, columns: readonly string[], lines: Iterable<string> | NodeJS.ReadableStream): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    const source = Symbol.iterator in lines ? Readable.from(lines) : lines;
    await pipeline(source, client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`)));
    await client.query('commit');
  } finally {
    await client.end();
  }
}

export interface ServiceProcess {
  child: ChildProcess;
  /** Where it listens, e.g. http://127.0.0.1:41234. */
  address: string;
  stop(): Promise<void>;
}

/** The V8 flags each service is deployed with, from the list the dev launcher starts them from. */
function deployedNodeOptions(main: URL): Record<string, string> {
  const name = /\/services\/([^/]+)\/src\/main\.ts$/.exec(main.pathname)?.[1];
  const services = JSON.parse(readFileSync(new URL('../../../scripts/dev/services.json', import.meta.url), 'utf8')) as { name: string; nodeOptions?: string }[];
  const nodeOptions = services.find((service) => service.name === name)?.nodeOptions;
  return nodeOptions ? { NODE_OPTIONS: nodeOptions } : {};
}

/**
 * A service in its own process, as deploy/ runs it (with its V8 flags), on a benchmark's database, topic prefix and
 * Redis prefix; resolves once it answers /readyz (its consumer has joined its group, so nothing
 * published from now on is missed).
 */
export async function startServiceProcess(main: URL, options: { databaseUrl: string; prefix: string; env?: Record<string, string> }): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [main.pathname], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: testEnv.redisUrl,
      REDIS_PREFIX: options.prefix,
      KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: options.prefix,
      PORT: '0',
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      ...testRateLimits,
      ...deployedNodeOptions(main),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
  const deadline = Date.now() + 60_000;
  const failed = (why: string) => new Error(`${main.pathname} ${why}:\n${output.slice(-2000)}`);
  let address: string | undefined;
  while (address === undefined) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw failed('did not start');
    }
    address = /"address":"([^"]+)"[^\n]*listening/.exec(output)?.[1];
    if (address === undefined) await sleep(50);
  }
  for (;;) {
    const ready = await fetch(`${address}/readyz`).then((response) => response.ok, () => false);
    if (ready) return { child, address, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw failed('did not become ready');
    }
    await sleep(100);
  }
}

/** COPY (query) TO STDOUT as the owner, its output counted and discarded: the baseline of reading rows out. */
export async function copyOut(databaseUrl: string, query: string): Promise<{ bytes: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let bytes = 0;
    for await (const chunk of client.query(copyTo(`copy (${query}) to stdout`))) bytes += (chunk as Buffer).length;
    return { bytes };
  } finally {
    await client.end();
  }
}

export { testEnv, testRateLimits };
export { createTestObjectStore } from './object-store.ts';
export { deleteKeysUnder, deleteSharedKeysUnder } from './redis.ts';
export { peakRssMiB } from './memory.ts';
export { cpuPerItem, cpuSnapshot, formatCpu, type CpuLabels, type CpuSnapshot } from './cpu.ts';
