/**
 * Full re-evaluation of an organisation: BENCH_RESOURCES resources of a simulated AWS account
 * (100,000 by default, as discovery stores them, utilisation included) with 30 days of cost lines
 * each, evaluated by the recommendation service's own evaluateAccount, beside the baseline of
 * reading the same rows (the resources and their 30-day cost sums) with one SELECT in the same
 * run. The first evaluation creates every recommendation; the second is the daily steady state,
 * which finds the same evidence and writes nothing. Target: the evaluation at least a third of the
 * SELECT's rate. Run it with `scripts/bench.sh recommendations`; it creates and drops its own
 * database and stops by itself.
 */
import { sql } from 'kysely';
import { bootstrapOrganization } from '@stratus/auth';
import { createSimAdapter } from '@stratus/cloud';
import { createDb, withTenant } from '@stratus/db';
import { copyLines, copyText, createBenchDatabase, rate, time } from '@stratus/testing/bench';
import { evaluateAccount, WINDOW_DAYS } from '../src/modules/recommendations/evaluation.service.ts';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 100_000);
const DAY_MS = 86_400_000;

const database = await createBenchDatabase('recommendations');
const owner = createDb({ url: database.url, max: 2 });
const recommendationDb = createDb({ url: database.url, role: 'stratus_recommendation', max: 2 });
try {
  const { organization } = await bootstrapOrganization(owner, { organizationName: 'bench', adminEmail: 'admin@bench.test' });
  const account = await owner
    .insertInto('cloud_accounts')
    .values({ organization_id: organization.id, name: 'bench', provider: 'AWS', account_id: '123456789012' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const sim = createSimAdapter({ id: account.id, provider: 'AWS', account_id: '123456789012', settings: { sim: { seed: 'bench', resources: RESOURCES } } });

  const loadMs = await time(async () => {
    const lines: string[] = [];
    for await (const page of sim.discover()) {
      for (const resource of page) {
        const metadata = resource.utilization ? { ...resource.metadata, utilization: resource.utilization } : resource.metadata;
        const values = [organization.id, account.id, 'AWS', resource.provider_resource_id, resource.name, resource.type, resource.region, resource.zone, resource.state, JSON.stringify(resource.tags), JSON.stringify(metadata)];
        lines.push(`${values.map(copyText).join('\t')}\n`);
      }
    }
    await copyLines(database.url, 'resources', ['organization_id', 'cloud_account_id', 'provider', 'provider_resource_id', 'name', 'type', 'region', 'zone', 'state', 'tags', 'metadata'], lines);
    // One daily line per resource for the window, effective cost a tenth under billed for a third of them.
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    const start = new Date(today - WINDOW_DAYS * DAY_MS);
    await sql`select ensure_cost_data_partitions(${start.toISOString().slice(0, 10)}::date, 3)`.execute(owner);
    await sql`
      insert into cost_data (organization_id, cloud_account_id, resource_id, provider, service, region, "timestamp", amount, currency, granularity, dimensions, provider_resource_id)
      select r.organization_id, r.cloud_account_id, r.id, r.provider, r.type, r.region, ${start}::timestamptz + make_interval(days => d),
             round((0.05 + (abs(hashtext(r.provider_resource_id)) % 500) * 0.01)::numeric, 6), 'USD', 'daily',
             jsonb_build_object('effective_cost', round(((0.05 + (abs(hashtext(r.provider_resource_id)) % 500) * 0.01) * (case when abs(hashtext(r.provider_resource_id)) % 3 = 0 then 0.9 else 1 end))::numeric, 6), 'tags', r.tags),
             r.provider_resource_id
        from resources r, generate_series(0, ${WINDOW_DAYS - 1}) d
    `.execute(owner);
    await sql`analyze`.execute(owner);
  });
  console.log(`loaded ${RESOURCES} resources and ${RESOURCES * WINDOW_DAYS} cost lines in ${(loadMs / 1000).toFixed(1)} s`);

  // The baseline: the same rows, read in one statement by the same role under the same row-level security.
  const from = new Date(Date.now() - WINDOW_DAYS * DAY_MS);
  let read = 0;
  const selectMs = await time(async () => {
    const { rows } = await withTenant(recommendationDb, organization.id, (trx) => sql`
      select r.id, r.cloud_account_id, r.provider, r.type, r.name, r.region, r.state, r.tags, r.metadata, c.effective, c.billed, c.days
        from resources r
        left join (
          select resource_id, currency, sum(coalesce((dimensions ->> 'effective_cost')::numeric, amount)) as effective, sum(amount) as billed,
                 count(distinct date_trunc('day', "timestamp")) as days
            from cost_data where "timestamp" >= ${from} group by resource_id, currency
        ) c on c.resource_id = r.id
       where r.cloud_account_id = ${account.id}
    `.execute(trx));
    read = rows.length;
  });

  const first = await time(() => evaluateAccount(recommendationDb, organization.id, account.id, new Date()));
  let steady = { resources: 0, created: 0, updated: 0, resolved: 0 };
  const second = await time(async () => {
    steady = await evaluateAccount(recommendationDb, organization.id, account.id, new Date());
  });
  const { rows: made } = await sql<{ count: string }>`select count(*) from recommendations`.execute(owner);

  const baseline = rate(read, selectMs);
  console.log(`one SELECT of the same rows:    ${rate(read, selectMs).toLocaleString()} resources/s (${read} in ${selectMs.toFixed(0)} ms)`);
  console.log(`first evaluation (creates ${made[0]!.count}): ${rate(RESOURCES, first).toLocaleString()} resources/s, ${(rate(RESOURCES, first) / baseline).toFixed(3)} of the SELECT`);
  console.log(
    `re-evaluation (steady state):    ${rate(RESOURCES, second).toLocaleString()} resources/s, ${(rate(RESOURCES, second) / baseline).toFixed(3)} of the SELECT (target 0.333; wrote ${steady.created + steady.updated + steady.resolved})`,
  );
} finally {
  await recommendationDb.destroy();
  await owner.destroy();
  await database.drop();
}
