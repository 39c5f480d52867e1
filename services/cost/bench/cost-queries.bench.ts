/**
 * Read latency of the cost API with BENCH_COST_ROWS cost lines loaded (10,000,000 by default):
 * the organisation's aggregates and a month's breakdown by service, each under a bounded loopback
 * load (autocannon, BENCH_CONNECTIONS connections for BENCH_SECONDS seconds), beside the baseline of
 * the same server in the same run: GET /healthz, which touches no database. The lines are loaded
 * with generate_series and applied through the cost service's own import path, so the rollups are
 * the ones the consumer keeps. Run it with `scripts/bench.sh cost-queries`; it creates and drops
 * its own database and stops by itself.
 */
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { pino } from 'pino';
import { bootstrapOrganization } from '@stratus/auth';
import { loadConfig } from '@stratus/config';
import { createDb, withTenant } from '@stratus/db';
import { buildServiceApp, closeDependencies, openDependencies } from '@stratus/runtime';
import { createBenchDatabase, testEnv, testRateLimits, time } from '@stratus/testing/bench';
import { service } from '../src/app.ts';
import { env } from '../src/config.ts';
import { applyImport } from '../src/modules/cost-store/apply-import.ts';

const ROWS = Number(process.env.BENCH_COST_ROWS ?? 10_000_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ACCOUNTS = [
  { provider: 'AWS', account_id: '111122223333' },
  { provider: 'AWS', account_id: '444455556666' },
  { provider: 'AZURE', account_id: '0f8fad5b-d9cb-469f-a165-70867728950e' },
  { provider: 'GCP', account_id: 'bench-project-1' },
] as const;
const DAYS = 100;
const RESOURCES_PER_ACCOUNT = Math.ceil(ROWS / ACCOUNTS.length / DAYS);
const logger = pino({ level: 'warn' });

const database = await createBenchDatabase('cost_queries');
const owner = createDb({ url: database.url, max: 2 });
const costDb = createDb({ url: database.url, role: 'stratus_cost', max: 2 });
const config = loadConfig(env, { DATABASE_URL: database.url, REDIS_URL: testEnv.redisUrl, KAFKA_BROKERS: testEnv.kafkaBrokers.join(','), LOG_LEVEL: 'warn', ...testRateLimits });
const deps = openDependencies('cost', config, logger);
try {
  const { organization, token } = await bootstrapOrganization(owner, { organizationName: 'bench', adminEmail: 'admin@bench.test' });
  const today = new Date();
  const end = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const start = new Date(end.getTime() - DAYS * 86_400_000);
  await sql`select ensure_cost_data_partitions(${start.toISOString().slice(0, 10)}::date, 6)`.execute(owner);

  const loadMs = await time(async () => {
    for (const [index, account] of ACCOUNTS.entries()) {
      const { id } = await owner
        .insertInto('cloud_accounts')
        .values({ organization_id: organization.id, name: `bench ${index}`, ...account })
        .returning('id')
        .executeTakeFirstOrThrow();
      const importId = crypto.randomUUID();
      await owner
        .insertInto('cost_import_progress')
        .values({ import_id: importId, organization_id: organization.id, cloud_account_id: id, source: 'file', batches: 1, received_batches: [0], period_start: start, period_end: end })
        .execute();
      // One line per resource and day: 12 services, 6 regions, three tags of realistic cardinality.
      await sql`
        insert into cost_data (organization_id, cloud_account_id, provider, service, region, "timestamp", amount, currency,
                               granularity, dimensions, import_id, provider_resource_id)
        select ${organization.id}::uuid, ${id}::uuid, ${account.provider}::cloud_provider,
               'service-' || (r % 12), 'region-' || (r % 6), ${start}::timestamptz + make_interval(days => d),
               round((0.5 + (r % 97) * 0.37 + (d % 7) * 0.11)::numeric, 6), 'USD', 'daily',
               jsonb_build_object('tags', jsonb_build_object('team', 'team-' || (r % 40), 'env', (array['prod', 'staging', 'dev'])[1 + r % 3],
                                                             'cost-center', 'cc-' || (r % 20))),
               ${importId}::uuid, 'res-' || r
          from generate_series(0, ${DAYS - 1}) d, generate_series(0, ${RESOURCES_PER_ACCOUNT - 1}) r
      `.execute(owner);
      const progress = { import_id: importId, organization_id: organization.id, cloud_account_id: id, received: 1, rows_received: DAYS * RESOURCES_PER_ACCOUNT, batches: 1, period_start: start, period_end: end };
      await withTenant(costDb, organization.id, (trx) => applyImport(trx, progress, { outbox: deps.outbox, retentionMonths: 1200, now: today }));
      console.log(`  loaded and applied account ${index + 1}/${ACCOUNTS.length}`);
    }
    await sql`analyze`.execute(owner);
  });
  const { rows } = await sql<{ lines: string }>`select count(*) as lines from cost_data`.execute(owner);

  const app = await buildServiceApp(service, deps, {});
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const month = `${end.toISOString().slice(0, 7)}-01`;
  const nextMonth = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
  const targets = [
    { label: 'baseline GET /healthz (no database)', path: '/healthz' },
    { label: 'GET /v1/costs/aggregates', path: '/v1/costs/aggregates' },
    { label: "a month's breakdown by service", path: `/v1/costs/breakdown?group_by=service&granularity=month&from=${month}&to=${nextMonth}` },
  ];
  console.log(`cost API reads with ${Number(rows[0]!.lines).toLocaleString('en')} cost lines loaded (${(loadMs / 1000).toFixed(0)} s to load and apply)`);
  console.log(`  ${CONNECTIONS} connections for ${SECONDS} s each, loopback`);
  let baselineP99 = 0;
  for (const target of targets) {
    const result = await autocannon({
      url: `${address}${target.path}`,
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: { authorization: `Bearer ${token.token}` },
    });
    const failed = result.non2xx + result.errors + result.timeouts;
    if (failed > 0) throw new Error(`${target.path}: ${failed} of ${result.requests.total} requests failed`);
    if (target.path === '/healthz') baselineP99 = result.latency.p99;
    const verdict = target.path === '/healthz' ? '' : `  ${result.latency.p99 < 50 ? 'meets' : 'MISSES'} p99 < 50 ms; ${(result.latency.p99 / Math.max(baselineP99, 1)).toFixed(1)}x the baseline's p99`;
    console.log(
      `  ${target.label.padEnd(38)} ${String(Math.round(result.requests.average)).padStart(6)} req/s  p50 ${String(result.latency.p50).padStart(3)} ms  p99 ${String(result.latency.p99).padStart(3)} ms${verdict}`,
    );
  }
  await app.close();
} finally {
  await closeDependencies(deps);
  await Promise.all([owner.destroy(), costDb.destroy()]);
  await database.drop();
}
