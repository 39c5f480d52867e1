/**
 * Rate limits under load: two replicas of the cost service (their own processes, as deploy/ runs
 * them) share one Redis, and one API token drives both at once through GET /v1/costs/aggregates
 * (autocannon, BENCH_CONNECTIONS connections to each for BENCH_SECONDS seconds, loopback). The
 * limit is RATE_LIMIT_PER_TOKEN requests per minute for the token, whichever replica answers: the
 * run fails unless exactly that many are served and every other request is refused with 429.
 * Printed beside the baseline of the same run: GET /healthz, which is never limited. Run it with
 * `scripts/bench.sh ratelimit`; it creates and drops its own database and topics (its Redis counters
 * expire with their window).
 */
import autocannon from 'autocannon';
import { Kafka, logLevel } from 'kafkajs';
import { bootstrapOrganization } from '@stratus/auth';
import { createDb } from '@stratus/db';
import { createBenchDatabase, startServiceProcess, testEnv, type ServiceProcess } from '@stratus/testing/bench';

const LIMIT = Number(process.env.BENCH_RATE_LIMIT ?? 500);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const prefix = `bench-ratelimit-${process.pid}.`;
const main = new URL('../src/main.ts', import.meta.url);

const database = await createBenchDatabase('ratelimit');
const owner = createDb({ url: database.url, max: 1 });
const kafkaAdmin = new Kafka({ clientId: 'stratus-bench', brokers: testEnv.kafkaBrokers, logLevel: logLevel.ERROR }).admin();
const replicas: ServiceProcess[] = [];

/** autocannon against every replica at once, from one token. */
async function load(path: string, token: string) {
  const results = await Promise.all(
    replicas.map((replica) =>
      autocannon({ url: `${replica.address}${path}`, connections: CONNECTIONS, duration: SECONDS, headers: { authorization: `Bearer ${token}` } }),
    ),
  );
  const count = (result: autocannon.Result, status: string) => (result.statusCodeStats as Record<string, { count: number } | undefined>)[status]?.count ?? 0;
  return {
    total: results.reduce((sum, result) => sum + result.requests.total, 0),
    served: results.map((result) => count(result, '200')),
    refused: results.map((result) => count(result, '429')),
    other: results.reduce((sum, result) => sum + result.non2xx - count(result, '429') + result.errors + result.timeouts, 0),
    perSecond: results.reduce((sum, result) => sum + result.requests.average, 0),
    p99: Math.max(...results.map((result) => result.latency.p99)),
  };
}

try {
  await kafkaAdmin.connect();
  const { token } = await bootstrapOrganization(owner, { organizationName: 'bench', adminEmail: 'admin@bench.test' });
  // A window longer than the run, so the whole run is one window and the count is exact.
  const env = { RATE_LIMIT_PER_TOKEN: String(LIMIT), RATE_LIMIT_PER_ADDRESS: '0', RATE_LIMIT_WINDOW_SECONDS: '600' };
  // Together, so they join their consumer group in one rebalance rather than two.
  const started = await Promise.allSettled([0, 1].map(() => startServiceProcess(main, { databaseUrl: database.url, prefix, env })));
  for (const replica of started) if (replica.status === 'fulfilled') replicas.push(replica.value);
  const failed = started.find((replica) => replica.status === 'rejected');
  if (failed) throw failed.reason;

  console.log(`rate limits: 2 cost replicas sharing Redis, one token, ${CONNECTIONS} connections to each for ${SECONDS} s, loopback`);
  const baseline = await load('/healthz', token.token);
  const limited = await load('/v1/costs/aggregates', token.token);
  const served = limited.served.reduce((sum, count) => sum + count, 0);
  const refused = limited.refused.reduce((sum, count) => sum + count, 0);
  console.log(`  baseline GET /healthz (never limited)   ${String(Math.round(baseline.perSecond)).padStart(6)} req/s  p99 ${baseline.p99} ms  ${baseline.total} requests, all 200: ${baseline.served.reduce((a, b) => a + b, 0) === baseline.total}`);
  console.log(`  GET /v1/costs/aggregates, limit ${LIMIT}   ${String(Math.round(limited.perSecond)).padStart(6)} req/s  p99 ${limited.p99} ms  ${limited.total} requests`);
  console.log(`    served ${served} (${limited.served.join(' + ')} by replica), refused with 429: ${refused} (${limited.refused.join(' + ')}), other: ${limited.other}`);
  if (served !== LIMIT || limited.other > 0 || limited.served.some((count) => count === 0)) {
    throw new Error(`the limit did not hold: ${served} served of a limit of ${LIMIT}, ${limited.other} other answers`);
  }
  console.log(`  the limit held across both replicas: exactly ${LIMIT} served`);
} finally {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await owner.destroy();
  await kafkaAdmin.deleteTopics({ topics: (await kafkaAdmin.listTopics()).filter((topic) => topic.startsWith(prefix)) }).catch(() => undefined);
  await kafkaAdmin.disconnect();
  await database.drop();
}
