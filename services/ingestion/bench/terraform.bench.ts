/**
 * Terraform awareness at fleet scale: a simulated account of BENCH_RESOURCES resources (20k by
 * default) and a state managing every second one (in 50 modules, count-indexed), 1 % of them with a
 * size that drifted. Prints the time to upload (parse, seal, store, compare) the state, to answer
 * the coverage of the account, and what comparing with the state adds to a resync (a resync with no
 * state in the same run is the baseline). Run it with `scripts/bench.sh terraform`; it creates and
 * drops its own database.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { TERRAFORM_TYPES, createSimAdapter, type DiscoveredResource } from '@stratus/cloud';
import { createDb, withTenant } from '@stratus/db';
import { outboxOf } from '@stratus/events';
import { createBenchAccount, createBenchDatabase, time } from '@stratus/testing/bench';
import { parseKeyring } from '@stratus/vault';
import { syncAccount } from '../src/modules/discovery/discovery.service.ts';
import { coverageByAccount } from '../src/modules/terraform/terraform.repository.ts';
import { createState, uploadState } from '../src/modules/terraform/terraform.service.ts';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 20_000);
const logger = pino({ level: 'warn' });
const database = await createBenchDatabase('terraform');
const owner = createDb({ url: database.url, max: 2 });
const db = createDb({ url: database.url, role: 'stratus_ingestion', max: 4 });
try {
  const account = await createBenchAccount(owner, { account_id: '123456789012', sim: { seed: 'bench', resources: RESOURCES } });
  const adapter = createSimAdapter({ ...account, settings: account.settings as Record<string, unknown> });
  const outbox = outboxOf('ingestion');
  const sync = () => syncAccount({ db, outbox, logger, adapterFor: async () => adapter }, { organization_id: account.organization_id, cloud_account_id: account.id });

  const fleet: DiscoveredResource[] = [];
  for await (const page of adapter.discover()) fleet.push(...page);
  await sync();
  const baseline = await time(sync);

  const typeOf = new Map(Object.entries(TERRAFORM_TYPES).map(([type, info]) => [info.provider_type, { type, info }]));
  const managed = fleet.filter((resource, index) => index % 2 === 0 && typeOf.has(String(resource.metadata.provider_type)));
  const modules = new Map<string, { type: string; attributes: Record<string, unknown> }[]>();
  managed.forEach((resource, index) => {
    const { type, info } = typeOf.get(String(resource.metadata.provider_type))!;
    const size = info.size_attribute ? resource.metadata[info.size_metadata_key ?? info.size_attribute] : undefined;
    const key = `module.m${index % 50}|${type}`;
    const instances = modules.get(key) ?? [];
    instances.push({ type, attributes: { id: resource.provider_resource_id.split('/').at(-1), arn: resource.provider_resource_id, tags: resource.tags, ...(info.size_attribute ? { [info.size_attribute]: index % 100 === 0 ? 'drifted.size' : size } : {}) } });
    modules.set(key, instances);
  });
  const state = {
    version: 4,
    serial: 1,
    lineage: 'bench',
    resources: [...modules].map(([key, instances]) => ({
      module: key.split('|')[0],
      mode: 'managed',
      type: instances[0]!.type,
      name: 'this',
      provider: 'provider["registry.terraform.io/hashicorp/aws"]',
      instances: instances.map((instance, index) => ({ index_key: index, schema_version: 1, attributes: instance.attributes })),
    })),
  };
  const file = Buffer.from(JSON.stringify(state));
  const deps = { keyring: parseKeyring(`k1:${randomBytes(32).toString('base64')}`), outbox };

  const upload = await time(() =>
    withTenant(db, account.organization_id, async (trx) => {
      const id = await createState(trx, deps, account.organization_id, { name: 'bench', cloud_account_id: account.id });
      await uploadState(trx, deps, id, file);
    }),
  );
  let coverage: Awaited<ReturnType<typeof coverageByAccount>> = [];
  const coverageMs = await time(async () => {
    coverage = await withTenant(db, account.organization_id, (trx) => coverageByAccount(trx, account.id));
  });
  const withState = await time(sync);
  const drifts = await owner.selectFrom('event_outbox_events').select((eb) => eb.fn.countAll<string>().as('n')).where('type', '=', 'resource.drifted').executeTakeFirstOrThrow();

  console.log(`fleet ${fleet.length} resources; state ${managed.length} instances in ${modules.size} resource blocks, ${(file.length / 1e6).toFixed(1)} MB`);
  console.log(`upload (parse, seal, store, compare): ${upload} ms`);
  console.log(`coverage of the account: ${coverageMs} ms -> ${JSON.stringify(coverage[0])}`);
  console.log(`resync, unchanged fleet: ${baseline} ms without a state, ${withState} ms with it (+${withState - baseline} ms); resource.drifted published: ${drifts.n}`);
} finally {
  await db.destroy();
  await owner.destroy();
  await database.drop();
}
