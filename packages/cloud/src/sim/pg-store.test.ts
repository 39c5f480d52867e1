/**
 * The simulated cloud kept in PostgreSQL: what one process did, another sees, and a client token
 * applies once across processes. A "process" here is a fresh set of overlays (useSimStore clears
 * them), with the store as the only thing shared.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@stratus/db';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import type { DiscoveredResource, OperationRequest } from '../adapter.ts';
import { createSimAdapter } from './sim-adapter.ts';
import type { SimEntry } from './journal.ts';
import { pgSimStore } from './pg-store.ts';
import { useSimStore } from './state.ts';
import { clock, collect, simAccount } from './testing.ts';

let database: TestDatabase;
let ingestionDb: ReturnType<typeof createDb>;
let executorDb: ReturnType<typeof createDb>;

beforeAll(async () => {
  database = await createTestDatabase();
  ingestionDb = createDb({ url: database.url, role: 'stratus_ingestion', max: 2 });
  executorDb = createDb({ url: database.url, role: 'stratus_action_executor', max: 4 });
});

afterAll(async () => {
  useSimStore(undefined);
  await ingestionDb?.destroy();
  await executorDb?.destroy();
  await database?.drop();
});

const request = (operation: OperationRequest['operation'], resource: DiscoveredResource, extra: Partial<OperationRequest> = {}): OperationRequest => ({
  operation,
  provider_resource_id: resource.provider_resource_id,
  resource_type: resource.type,
  region: resource.region,
  params: {},
  ...extra,
});

async function journalOf(clientToken: string) {
  const { rows } = await sql`select kind from sim_cloud.journal where client_token = ${clientToken}`.execute(database.owner);
  return rows;
}

describe('the simulated cloud in PostgreSQL', () => {
  it('shows what the executor did to the next sync of another process', async () => {
    const account = simAccount('AWS', { resources: 200 });
    useSimStore(pgSimStore(executorDb));
    const vm = (await collect(createSimAdapter(account, { now: clock }).discover())).find((resource) => resource.type === 'vm' && resource.state === 'running')!;
    await createSimAdapter(account, { now: clock }).execute(request('stop', vm, { client_token: 'stop-1' }));
    await createSimAdapter(account, { now: clock }).execute(request('scale', vm, { params: { size: 't3.large' }, client_token: 'scale-1' }));

    useSimStore(pgSimStore(ingestionDb));
    const seen = (await collect(createSimAdapter(account, { now: clock }).discover())).find((resource) => resource.provider_resource_id === vm.provider_resource_id)!;
    expect(seen.state).toBe('stopped');
    expect(seen.metadata.instance_type).toBe('t3.large');
  });

  it('applies a client token once, whichever process asks and however many at once', async () => {
    const account = simAccount('GCP', { resources: 200 });
    useSimStore(pgSimStore(executorDb));
    const disk = (await collect(createSimAdapter(account, { now: clock }).discover())).find((resource) => resource.type === 'disk')!;
    const snapshots = async () => (await collect(createSimAdapter(account, { now: clock }).discover())).filter((resource) => resource.type === 'snapshot').length;
    const existing = await snapshots();

    const first = await createSimAdapter(account, { now: clock }).execute(request('snapshot', disk, { client_token: 'snap-1' }));
    useSimStore(pgSimStore(executorDb));
    const again = await Promise.all([1, 2, 3].map(() => createSimAdapter(account, { now: clock }).execute(request('snapshot', disk, { client_token: 'snap-1' }))));
    for (const result of again) expect(result.details).toEqual({ ...first.details, already_applied: true });

    useSimStore(pgSimStore(ingestionDb));
    expect(await snapshots()).toBe(existing + 1);
    expect(await journalOf('snap-1')).toHaveLength(1);
  });

  it('two processes racing one token: one applies it, the other answers with its result', async () => {
    const account = simAccount('AZURE', { resources: 200 });
    useSimStore(pgSimStore(executorDb));
    const vm = (await collect(createSimAdapter(account, { now: clock }).discover())).find((resource) => resource.type === 'vm')!;
    const tags = { params: { tags: { owner: 'race' } }, client_token: 'tag-race' };
    // Each adapter is created before the other applies, as two processes' would be.
    const [a, b] = [createSimAdapter(account, { now: clock }), createSimAdapter(account, { now: clock })];
    const results = await Promise.all([a.execute(request('tag', vm, tags)), b.execute(request('tag', vm, tags))]);
    expect(results.filter((result) => result.details.already_applied === true).length).toBeLessThanOrEqual(1);
    expect(await journalOf('tag-race')).toHaveLength(1);
  });

  it('appends of one moment share a statement, in order, and a token twice among them applies once', async () => {
    const store = pgSimStore(executorDb);
    const accountId = randomUUID();
    const change = (id: string): SimEntry => ({ kind: 'change', provider_resource_id: id, at: 1, patch: { active: false } });
    const result = { state: 'stopped', details: {} };
    const answers = await Promise.all([
      store.append(accountId, [change('a')], { client_token: 'batch-twice', result }),
      store.append(accountId, [change('b')], { client_token: 'batch-twice', result }),
      store.append(accountId, [change('c'), change('d')], { client_token: 'batch-once', result }),
      store.append(accountId, [change('e')], undefined),
    ]);
    expect(answers).toEqual([true, false, true, true]);
    expect((await store.entriesAfter(accountId, 0)).map(({ entry }) => entry.provider_resource_id)).toEqual(['a', 'c', 'd', 'e']);
    expect(await store.applied('batch-twice')).toEqual(result);
  });
});
