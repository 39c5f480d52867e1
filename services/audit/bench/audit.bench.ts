/**
 * The audit trail under a large sync, and its verifier.
 *
 * 1. Ingestion: BENCH_RESOURCES resource.discovered events (5,000 by default; issue #16 asks
 *    100,000, set BENCH_RESOURCES=100000 where the machine has the minutes) are written to the
 *    ingestion outbox as a sync writes them, relayed to Kafka by the ingestion relay thread, and
 *    recorded by the audit service's own handlers in a consumer as the service runs it: the rate of
 *    audit rows, and how long after the sync's last event the consumer's lag is back to zero. The
 *    baseline: INSERT of the same rows (audit_logs through its chain trigger, and activity_log),
 *    1,000 a statement, in the same run.
 * 2. Verification: BENCH_VERIFY_ROWS audit rows of one organisation, chained as the trigger chains
 *    them, walked by the service's verifier (GET /v1/audit/verify's code): rows/s. 200,000 by
 *    default: on a 2-core machine shared with other work, making 1,000,000 in one transaction did
 *    not finish within bench.sh's 10 minutes (issue #16 asks 1,000,000: set BENCH_VERIFY_ROWS).
 *
 * Run it with `scripts/bench.sh audit`; it creates and drops its own database and topics and stops by itself.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { pino } from 'pino';
import { bootstrapOrganization } from '@stratus/auth';
import { createDb, hashOf, withTenant, type ChainRow } from '@stratus/db';
import { samples } from '@stratus/events/samples';
import { OutboxRelayThread, createConsumer, createKafkaClient, ensureTopics, outboxOf, type PublishManyItem } from '@stratus/events';
import { createQueues, createRedisConnection } from '@stratus/queues';
import { createBenchDatabase, deleteKeysUnder, rate, testEnv, time } from '@stratus/testing/bench';
import { handlers } from '../src/app.ts';
import { verifyOrganization } from '../src/modules/audit/audit-chain.service.ts';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 5_000);
const VERIFY_ROWS = Number(process.env.BENCH_VERIFY_ROWS ?? 200_000);
const prefix = `bench-audit-${process.pid}.`;
const logger = pino({ level: 'warn' });

const database = await createBenchDatabase('audit');
const kafka = createKafkaClient({ clientId: 'stratus-bench', brokers: testEnv.kafkaBrokers, logger });
const admin = kafka.admin();
const owner = createDb({ url: database.url, max: 4 });
const auditDb = createDb({ url: database.url, role: 'stratus_audit', max: 4 });
const redis = createRedisConnection(testEnv.redisUrl, { forWorker: true });
const queuePrefix = `${prefix}redis`;
const queues = createQueues({ connection: redis, prefix: queuePrefix });
const relay = new OutboxRelayThread({
  databaseUrl: database.url,
  role: 'stratus_ingestion',
  kafka: { clientId: 'stratus-bench', brokers: testEnv.kafkaBrokers },
  producer: 'ingestion',
  topicPrefix: prefix,
  logger,
});
const consumer = createConsumer({ kafka, db: auditDb, groupId: `${prefix}stratus-audit`, topicPrefix: prefix, handlers: handlers(queues), logger, fromBeginning: true });
try {
  await admin.connect();
  await ensureTopics(admin, { prefix, partitions: 6 });
  const { organization } = await bootstrapOrganization(owner, { organizationName: 'bench', adminEmail: 'admin@bench.test' });
  const sample = samples()['resource.discovered'];
  const events: PublishManyItem[] = Array.from({ length: RESOURCES }, (_, index) => ({
    type: 'resource.discovered',
    tenant: organization.id,
    data: { ...sample, resource: { ...sample.resource, id: randomUUID(), provider_resource_id: `i-${index.toString(16).padStart(12, '0')}`, name: `web-${index}` } },
  }));

  // The baseline: the same rows, INSERTed 1,000 a statement, chained by the same trigger.
  const baselineOrganization = (await bootstrapOrganization(owner, { organizationName: 'baseline', adminEmail: 'admin@baseline.test' })).organization.id;
  const insertMs = await time(async () => {
    for (let start = 0; start < RESOURCES; start += 1000) {
      const slice = events.slice(start, start + 1000);
      await withTenant(auditDb, baselineOrganization, async (trx) => {
        await trx
          .insertInto('audit_logs')
          .values(slice.map((event) => ({ organization_id: baselineOrganization, event_id: randomUUID(), action: event.type, resource_type: 'resource_id', resource_id: (event.data as { resource: { id: string } }).resource.id, details: JSON.stringify({ data: event.data }) })))
          .execute();
        await trx
          .insertInto('activity_log')
          .values(slice.map((event) => ({ organization_id: baselineOrganization, type: event.type, subject: (event.data as { resource: { id: string } }).resource.id, summary: event.type, details: JSON.stringify({}) })))
          .execute();
      });
    }
  });

  await consumer.start();
  await relay.start();
  const started = performance.now();
  // Written as a sync writes them: 1,000 events a transaction.
  for (let start = 0; start < RESOURCES; start += 1000) {
    await owner.transaction().execute((trx) => outboxOf('ingestion').publishMany(trx, events.slice(start, start + 1000)));
  }
  const syncEnded = performance.now();
  while (consumer.metrics().processed < RESOURCES) await new Promise((resolve) => setTimeout(resolve, 20));
  const recordedMs = performance.now() - started;
  const lagMs = performance.now() - syncEnded;
  const { n } = await owner.selectFrom('audit_logs').select((eb) => eb.fn.countAll<string>().as('n')).where('organization_id', '=', organization.id).executeTakeFirstOrThrow();

  console.log(`audit ingestion of a ${RESOURCES.toLocaleString('en')}-resource sync (resource.discovered, 6 partitions, one consumer)`);
  console.log(`  recorded (audit_logs + activity_log)  ${rate(RESOURCES, recordedMs).toLocaleString('en').padStart(9)} events/s  (${recordedMs.toFixed(0)} ms, ${n} audit rows)`);
  console.log(`  INSERT baseline, same rows            ${rate(RESOURCES, insertMs).toLocaleString('en').padStart(9)} rows/s    (${insertMs.toFixed(0)} ms)`);
  console.log(`  consumer lag back to zero ${(lagMs / 1000).toFixed(1)} s after the sync's last event (issue target: 10 s at 100,000)`);
  console.log(`  recorded / INSERT baseline: ${(insertMs / recordedMs).toFixed(2)}`);
  await consumer.stop();
  await relay.stop();

  // The verifier over VERIFY_ROWS rows of one organisation, chained here as the trigger chains them
  // (the trigger writes a few thousand rows a second: a million would take the benchmark's time).
  const chained = (await bootstrapOrganization(owner, { organizationName: 'verify', adminEmail: 'admin@verify.test' })).organization.id;
  const loadMs = await time(() =>
    owner.transaction().execute(async (trx) => {
      await sql`set local session_replication_role = replica`.execute(trx);
      let prev: string | null = null;
      for (let start = 0; start < VERIFY_ROWS; start += 2_000) {
        const rows = [];
        for (let sequence = start + 1; sequence <= Math.min(start + 2_000, VERIFY_ROWS); sequence += 1) {
          const micros = String(sequence % 1_000_000).padStart(6, '0');
          const seconds = String(Math.floor(sequence / 1_000_000)).padStart(2, '0');
          const row: ChainRow = {
            id: randomUUID(),
            organization_id: chained,
            sequence: String(sequence),
            user_id: null,
            event_id: randomUUID(),
            action: 'resource.discovered',
            resource_type: 'resource_id',
            resource_id: randomUUID(),
            timestamp: `2026-12-04T16:00:${seconds}.${micros}Z`,
            ip_address: null,
            user_agent: null,
            trace_id: null,
            details: `{"n": ${sequence}}`,
            prev_hash: prev,
            hash: null,
          };
          const hash = hashOf(row);
          rows.push({
            ...row,
            details: row.details!,
            prev_hash: prev === null ? null : Buffer.from(prev, 'hex'),
            hash: Buffer.from(hash, 'hex'),
          });
          prev = hash;
        }
        await trx.insertInto('audit_logs').values(rows).execute();
      }
    }),
  );
  let report = { rows: 0, valid_rows: 0 };
  const verifyMs = await time(async () => {
    report = await verifyOrganization(auditDb, chained, undefined);
  });
  console.log(`verifier over ${VERIFY_ROWS.toLocaleString('en')} chained rows (made in ${(loadMs / 1000).toFixed(1)} s)`);
  console.log(`  verified                              ${rate(report.rows, verifyMs).toLocaleString('en').padStart(9)} rows/s    (${(verifyMs / 1000).toFixed(1)} s, ${report.valid_rows}/${report.rows} rows valid)`);
} finally {
  await consumer.stop().catch(() => undefined);
  await relay.stop().catch(() => undefined);
  await queues.close();
  await deleteKeysUnder(redis, queuePrefix);
  redis.disconnect();
  await auditDb.destroy();
  await owner.destroy();
  await admin.deleteTopics({ topics: (await admin.listTopics()).filter((topic) => topic.startsWith(prefix)) }).catch(() => undefined);
  await admin.disconnect();
  await database.drop();
}
