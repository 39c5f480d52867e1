/**
 * Cost ingestion end to end: a FOCUS CSV file of BENCH_ROWS lines (1,000,000 by default) is
 * uploaded over HTTP, streamed as `stratus costs import` sends it, to the ingestion service, which
 * reads it and publishes cost.ingested batches through its outbox relay; the cost service consumes
 * them from Kafka into cost_data and the rollups, until the import is applied and ready to query.
 * Both services run in their own processes, started as deploy/ runs them, so their peak RSS is
 * theirs alone (read from /proc, relay thread included), not the benchmark's. Printed beside the
 * baseline of the same run: PostgreSQL COPY of the same lines into the same table. Run it with
 * `scripts/bench.sh cost-ingest`; it creates and drops its own database, topics and file, and stops
 * by itself.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { sql } from 'kysely';
import { request } from 'undici';
import { bootstrapOrganization } from '@stratus/auth';
import { readFocusCsv, writeSampleFocusCsv } from '@stratus/cloud';
import { createDb } from '@stratus/db';
import { ensureTopics } from '@stratus/events';
import { copyLines, copyText, cpuPerItem, cpuSnapshot, createBenchDatabase, deleteSharedKeysUnder, formatCpu, peakRssMiB, rate, startServiceProcess, testEnv, time, walWritten, type ServiceProcess } from '@stratus/testing/bench';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const prefix = `bench-cost-${process.pid}.`;
const now = new Date();
const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);

const database = await createBenchDatabase('cost_ingest');
const { url } = database;
const dir = await mkdtemp(join(tmpdir(), 'stratus-cost-bench-'));
const file = join(dir, 'focus.csv');
const kafka = new Kafka({ clientId: 'stratus-bench', brokers: testEnv.kafkaBrokers, logLevel: logLevel.ERROR });
const kafkaAdmin = kafka.admin();
const owner = createDb({ url, max: 2 });
const services: ServiceProcess[] = [];

try {
  await kafkaAdmin.connect();
  await ensureTopics(kafkaAdmin, { prefix, partitions: 6 });
  const { organization, token } = await bootstrapOrganization(owner, { organizationName: 'bench', adminEmail: 'admin@bench.test' });
  const account = await owner
    .insertInto('cloud_accounts')
    .values({ organization_id: organization.id, name: 'bench', provider: 'AWS', account_id: '123456789012' })
    .returning(['id', 'organization_id', 'provider'])
    .executeTakeFirstOrThrow();

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
  const copyWalBefore = await walWritten(owner);
  const copyMs = await time(() => copyLines(url, 'cost_data', columns, createReadStream(copyFile)));
  const copyWal = (await walWritten(owner)).bytes - copyWalBefore.bytes;
  await rm(copyFile);
  const copied = await sql<{ amount: string }>`select sum(amount)::text as amount from cost_data`.execute(owner);
  await sql`truncate cost_data`.execute(owner);

  // Each service in its own process, as deploy/ runs it. The file may pass the default upload limit;
  // the key is there because the service requires one, and the benchmark links no credentials.
  const costService = await startServiceProcess(new URL('../src/main.ts', import.meta.url), { databaseUrl: url, prefix });
  services.push(costService);
  const ingestion = await startServiceProcess(new URL('../../ingestion/src/main.ts', import.meta.url), {
    databaseUrl: url,
    prefix,
    env: { CREDENTIALS_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`, MAX_UPLOAD_BYTES: String(2 ** 40) },
  });
  services.push(ingestion);
  const labels = new Map([[costService.child.pid!, 'cost service'], [ingestion.child.pid!, 'ingestion service']]);
  const walBefore = await walWritten(owner);
  const cpu = cpuSnapshot(labels);
  const started = performance.now();
  // Sent as read, as `stratus costs import` sends it (fetch would read the 3 GB file ahead of the socket).
  const response = await request(`${ingestion.address}/v1/cloud-accounts/${account.id}/cost-imports/file?file_name=focus.csv`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.token}`, 'content-type': 'text/csv' },
    body: createReadStream(file),
  });
  if (response.statusCode !== 202) throw new Error(`the upload was answered ${response.statusCode}: ${(await response.body.text()).slice(0, 2000)}`);
  const report = (await response.body.json()) as { id: string; rows_imported: number; batches: number };
  const publishedMs = performance.now() - started;
  // scripts/bench.sh stops the run at BENCH_TIMEOUT_SECONDS; this says which step was still waiting.
  const waitSeconds = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 600);
  const deadline = started + waitSeconds * 1000;
  for (;;) {
    const progress = await owner.selectFrom('cost_import_progress').select('status').where('import_id', '=', report.id).executeTakeFirst();
    if (progress?.status === 'applied') break;
    if (performance.now() > deadline) throw new Error(`import ${report.id} not applied within ${waitSeconds} s`);
    await sleep(25);
  }
  const appliedMs = performance.now() - started;
  const cpuPerRow = cpuPerItem(cpu, ROWS, labels);
  const walAfter = await walWritten(owner);
  const ingestionPeak = peakRssMiB(ingestion.child.pid!);
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
  console.log(`  upload read + batches published to the outbox   ${figure(rate(ROWS, publishedMs))} rows/s  (${publishedMs.toFixed(0)} ms)`);
  console.log(`  end to end: in cost_data + rollups, applied     ${figure(endToEnd)} rows/s  (${appliedMs.toFixed(0)} ms)`);
  console.log(`  ratio end to end / COPY                         ${(endToEnd / copyRate).toFixed(3)}  (target >= 0.333, a third; end-to-end target >= 50,000 rows/s)`);
  console.log(`  CPU per row, end to end: ${formatCpu(cpuPerRow)}`);
  console.log(`  PostgreSQL WAL per row:  ${Math.round((walAfter.bytes - walBefore.bytes) / ROWS)} bytes (COPY's: ${Math.round(copyWal / ROWS)})`);
  console.log(`  rollup month total = COPY total = ${rolled.rows[0]!.amount} ${'USD'}`);
  console.log(`  peak RSS: ingestion service ${ingestionPeak.toFixed(0)} MiB, cost service ${costPeak.toFixed(0)} MiB  (target < 512 MiB each)`);
} finally {
  for (const service of services) await service.stop();
  await deleteSharedKeysUnder(prefix);
  await owner.destroy();
  await kafkaAdmin.deleteTopics({ topics: (await kafkaAdmin.listTopics()).filter((topic) => topic.startsWith(prefix)) }).catch(() => undefined);
  await kafkaAdmin.disconnect();
  await rm(dir, { recursive: true, force: true });
  await database.drop();
}
