/**
 * An automation rule over BENCH_RESOURCES resources (200,000 by default) of which a quarter match
 * `env=dev AND type=vm`: the rule's match as @stratus/match compiles it, beside a hand-written SQL
 * query of the same predicate (same columns, order and limit, same role and tenant setting), each
 * run 5 times in turn, medians compared (target: the compiled query at least half the hand-written
 * one's speed); then a whole run of the rule (match, then one action.requested per matched resource
 * written to the outbox, the run row and its event, in one transaction); and the EXPLAIN plans, which
 * must use indexes. `scripts/bench.sh automation`: it creates and drops its own database and stops
 * by itself.
 */
import { sql } from 'kysely';
import { createDb, withTenant } from '@stratus/db';
import { compileMatch, matchResources, parseMatch } from '@stratus/match';
import { copyLines, copyText, createBenchAccount, createBenchDatabase, time } from '@stratus/testing/bench';
import { getRule } from '../src/modules/automation-rules/automation-rules.repository.ts';
import { runRule } from '../src/modules/automation-rules/rule-runs.service.ts';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 200_000);
const MATCH = 'env=dev AND type=vm';
const REPEATS = 5;
const DEADLINE_MS = 5 * 60_000;
const OTHER_TYPES = ['disk', 'bucket', 'database'];

const deadline = setTimeout(() => {
  console.error(`the benchmark did not finish within ${DEADLINE_MS / 60_000} minutes`);
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(1).padStart(8)} ms`;

const database = await createBenchDatabase('automation');
const owner = createDb({ url: database.url, max: 2 });
const executorDb = createDb({ url: database.url, role: 'stratus_action_executor', max: 4 });
try {
  const account = await createBenchAccount(owner, { account_id: '123456789012' });
  const organizationId = account.organization_id;
  // Even resources are VMs, odd ones disks, buckets and databases; every other pair is env=dev:
  // exactly a quarter are dev VMs, and dev (a half) and vm (a half) alone each match far more.
  const lines = Array.from({ length: RESOURCES }, (_, index) => {
    const type = index % 2 === 0 ? 'vm' : OTHER_TYPES[index % 3]!;
    const tags = { env: (index >> 1) % 2 === 0 ? 'dev' : 'prod', app: `app-${index % 500}`, ...(index % 10 === 3 ? { keep: 'true' } : {}) };
    const values = [organizationId, account.id, 'AWS', `r-${index}`, `${type}-${index}`, type, index % 3 === 0 ? 'eu-west-1' : 'us-east-1', index % 5 === 0 ? 'stopped' : 'running', JSON.stringify(tags), (index % 400).toFixed(2)];
    return `${values.map(copyText).join('\t')}\n`;
  });
  await copyLines(database.url, 'resources', ['organization_id', 'cloud_account_id', 'provider', 'provider_resource_id', 'name', 'type', 'region', 'state', 'tags', 'cost_monthly'], lines);
  await sql`analyze resources`.execute(owner);
  const expression = parseMatch(MATCH);
  const limit = RESOURCES;

  const compiled = () => withTenant(executorDb, organizationId, (trx) => matchResources(trx, organizationId, expression, { limit }));
  const handWritten = () =>
    withTenant(executorDb, organizationId, (trx) =>
      sql<{ id: string }>`
        select id, cloud_account_id, provider, name, type, region, state, cost_monthly
          from resources
         where organization_id = ${organizationId} and tags @> '{"env": "dev"}' and type = 'vm'
         order by id
         limit ${limit + 1}
      `.execute(trx),
    );
  const matched = (await compiled()).resources.length;
  const expected = (await handWritten()).rows.length;
  if (matched !== expected) throw new Error(`the compiled match selected ${matched} resources, the hand-written query ${expected}`);
  console.log(`${RESOURCES} resources; "${MATCH}" matches ${matched}`);

  const timings = { compiled: [] as number[], handWritten: [] as number[] };
  for (let round = 0; round < REPEATS; round += 1) {
    timings.handWritten.push(await time(handWritten));
    timings.compiled.push(await time(compiled));
  }
  const [hand, match] = [median(timings.handWritten), median(timings.compiled)];
  console.log(`hand-written SQL, median of ${REPEATS}        ${ms(hand)}`);
  console.log(`compiled match (@stratus/match), median   ${ms(match)}`);
  console.log(`speed ratio compiled / hand-written: ${(hand / match).toFixed(2)} (target >= 0.5)`);

  const rule = await owner
    .insertInto('automation_rules')
    .values({ organization_id: organizationId, name: 'bench', match: MATCH, action: 'stop', cron: '0 19 * * 1-5', max_resources: RESOURCES })
    .returning('id')
    .executeTakeFirstOrThrow();
  let actions = 0;
  const runMs = await time(() =>
    withTenant(executorDb, organizationId, async (trx) => {
      const outcome = await runRule(trx, (await getRule(trx, rule.id))!, { scheduled_for: new Date(), requested_by: null });
      if (outcome.status !== 'done' || outcome.run.status !== 'success') throw new Error(`the run did not succeed: ${JSON.stringify(outcome)}`);
      actions = outcome.run.details.actions_requested;
    }),
  );
  console.log(`a whole run: match + ${actions} action.requested + run row + event   ${ms(runMs)}  (${Math.round(actions / (runMs / 1000))} actions requested/s)`);

  // jsonb @> is not LEAKPROOF, so under row-level security PostgreSQL may not use it as an index
  // condition: a service role's tags-only match cannot use the GIN index, which the owner's (no RLS)
  // plan shows it would. The rule's plan is required to use an index; the other two are shown.
  const TAGS_ONLY = 'app=app-42 AND cost_monthly > 100';
  for (const [text, db, who, required] of [
    [MATCH, executorDb, 'stratus_action_executor, row-level security on', true],
    [TAGS_ONLY, executorDb, 'stratus_action_executor, row-level security on', false],
    [TAGS_ONLY, owner, 'the owner, no row-level security', true],
  ] as const) {
    const explained = await withTenant(db, organizationId, (trx) =>
      trx.selectFrom('resources').select('id').where('organization_id', '=', organizationId).where(compileMatch(parseMatch(text))).orderBy('id').limit(limit + 1).explain('text', sql`analyze, buffers`),
    );
    const plan = explained.map((row) => String(row['QUERY PLAN'])).join('\n');
    console.log(`\nEXPLAIN ANALYZE of "${text}" as ${who}:\n${plan}`);
    if (required && !/Index/.test(plan)) throw new Error(`the plan of "${text}" as ${who} reads no index`);
  }
} finally {
  await executorDb.destroy();
  await owner.destroy();
  await database.drop();
}
