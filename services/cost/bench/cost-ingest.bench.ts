/**
 * Cost ingestion end to end: a FOCUS CSV file of BENCH_ROWS lines (1,000,000 by default) is read
 * and published as cost.ingested batches by the ingestion service's importer and outbox relay,
 * consumed from Kafka by the cost service (its own process, started here as it runs in production)
 * into cost_data and the rollups, until the import is applied and ready to query, with the peak RSS
 * of the importer (with its relay thread) and of the cost service. Printed beside the
 * baseline of the same run: PostgreSQL COPY of the same lines into the same table. Run it with
 * `scripts/bench.sh cost-ingest`; it creates and drops its own database, topics and file, and stops
 * by itself.
 */
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { sql } from 'kysely';
import { pino } from 'pino';
import { readFocusCsv, writeSampleFocusCsv } from '@stratus/cloud';
import { createDb } from '@stratus/db';
import { ensureTopics, outboxOf } from '@stratus/events';
import { copyLines, copyText, createBenchAccount, createBenchDatabase, rate, startServiceProcess, testEnv, time, type ServiceProcess } from '@stratus/testing/bench';
import { ingestionRelay } from '../../ingestion/bench/ingestion-relay.ts';
import { importCosts } from '../../ingestion/src/modules/cost-import/cost-import.service.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const prefix = `bench-cost-${process.pid}.`;
const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
const now = new Date();
const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);

const database = await createBenchDatabase('cost_ingest');
const { url } = database;
const dir = await mkdtemp(join(tmpdir(), 'stratus-cost-bench-'));
const file = join(dir, 'focus.csv');
const kafka = new Kafka({ clientId: 'stratus-bench', brokers: testEnv.kafkaBrokers, logLevel: logLevel.ERROR });
const kafkaAdmin = kafka.admin();
const owner = createDb({ url, max: 2 });
const ingestionDb = createDb({ url, role: 'stratus_ingestion', max: 4 });
const relay = ingestionRelay(url, prefix, logger);
let costService: ServiceProcess | undefined;

/** A process's peak resident set (VmHWM) since it started or since resetPeakRss. */
function peakRssMiB(pid: number): number {
  const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kib === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kib) / 1024;
}

/** Resets this process's peak RSS to its current RSS (Linux: clear_refs 5), so the baseline's own memory is not counted. */
function resetPeakRss(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

try {
  await kafkaAdmin.connect();
  await ensureTopics(kafkaAdmin, { prefix, partitions: 6 });
  const account = await createBenchAccount(owner, { account_id: '111122223333' });

  await writeSampleFocusCsv(file, { rows: ROWS, month });
  const megabytes = (await stat(file)).size / 2 ** 20;

  // The baseline's lines are the file's rows as cost_data rows, written to a file of COPY's format
  // beforehand so that it times PostgreSQL alone (held in memory, 5M lines would take gigabytes).
  const columns = ['organization_id', 'cloud_account_id', 'provider', 'service', 'region', 'timestamp', 'amount', 'currency', 'granularity', 'dimensions', 'provider_resource_id'];
  const copyFile = join(dir, 'cost_data.copy');
  await pipeline(
    (async function* () {
      for await (const batch of readFocusCsv(createReadStream(file))) {
        let chunk = '';
        for (const row of batch.rows) {
          const dimensions = JSON.stringify({ tags: row.tags, service_category: row.service_category, charge_category: row.charge_category, effective_cost: row.effective_cost, list_cost: row.list_cost });
          const values = [account.organization_id, account.id, account.provider, row.service_name, row.region_id ?? null, row.charge_period_start, row.billed_cost, row.currency, row.granularity, dimensions, row.provider_resource_id ?? null];
          chunk += `${values.map(copyText).join('\t')}\n`;
        }
        yield chunk;
      }
    })(),
    createWriteStream(copyFile),
  );
  const copyMs = await time(() => copyLines(url, 'cost_data', columns, createReadStream(copyFile)));
  await rm(copyFile);
  const copied = await sql<{ amount: string }>`select sum(amount)::text as amount from cost_data`.execute(owner);
  await sql`truncate cost_data`.execute(owner);

  // The cost service's own process, as deploy/ runs it.
  costService = await startServiceProcess(new URL('../src/main.ts', import.meta.url), { databaseUrl: url, prefix });
  await relay.start();
  // Peak RSS from here on: the importer and its relay thread, as the ingestion service runs them.
  resetPeakRss();
  const started = performance.now();
  const report = await importCosts(
    { db: ingestionDb, outbox: outboxOf('ingestion'), logger },
    { organization_id: account.organization_id, cloud_account_id: account.id },
    { kind: 'file', file_name: 'focus.csv', batches: readFocusCsv(createReadStream(file)) },
  );
  const publishedMs = performance.now() - started;
  const deadline = started + 540_000;
  for (;;) {
    const progress = await owner.selectFrom('cost_import_progress').select('status').where('import_id', '=', report.id).executeTakeFirst();
    if (progress?.status === 'applied') break;
    if (performance.now() > deadline) throw new Error(`import ${report.id} not applied within 9 minutes`);
    await sleep(25);
  }
  const appliedMs = performance.now() - started;
  const ingestionPeak = peakRssMiB(process.pid);
  const costPeak = peakRssMiB(costService.child.pid!);
  const rolled = await sql<{ amount: string }>`select sum(amount)::text as amount from cost_rollups where granularity = 'month'`.execute(owner);
  if (rolled.rows[0]!.amount !== copied.rows[0]!.amount) {
    throw new Error(`rollups hold ${rolled.rows[0]!.amount}, the COPY baseline ${copied.rows[0]!.amount}`);
  }

  const copyRate = rate(ROWS, copyMs);
  const endToEnd = rate(report.rows_imported, appliedMs);
  const figure = (value: number) => value.toLocaleString('en').padStart(9);
  console.log(`cost ingestion of a ${ROWS.toLocaleString('en')}-line FOCUS CSV (${megabytes.toFixed(0)} MB, ${report.batches} cost.ingested batches)`);
  console.log(`  baseline COPY into cost_data                    ${figure(copyRate)} rows/s  (${copyMs.toFixed(0)} ms)`);
  console.log(`  file read + batches published to the outbox     ${figure(rate(ROWS, publishedMs))} rows/s  (${publishedMs.toFixed(0)} ms)`);
  console.log(`  end to end: in cost_data + rollups, applied     ${figure(endToEnd)} rows/s  (${appliedMs.toFixed(0)} ms)`);
  console.log(`  ratio end to end / COPY                         ${(endToEnd / copyRate).toFixed(3)}  (target >= 0.333, a third; end-to-end target >= 50,000 rows/s)`);
  console.log(`  rollup month total = COPY total = ${rolled.rows[0]!.amount} ${'USD'}`);
  console.log(`  peak RSS: ingestion (importer + relay thread) ${ingestionPeak.toFixed(0)} MiB, cost service ${costPeak.toFixed(0)} MiB  (target < 512 MiB each)`);
} finally {
  await relay.stop();
  await costService?.stop();
  await Promise.all([owner.destroy(), ingestionDb.destroy()]);
  await kafkaAdmin.deleteTopics({ topics: (await kafkaAdmin.listTopics()).filter((topic) => topic.startsWith(prefix)) }).catch(() => undefined);
  await kafkaAdmin.disconnect();
  await rm(dir, { recursive: true, force: true });
  await database.drop();
}
