/**
 * Resource groups on the real app and database: members set by hand, or by a match expression
 * that each sync applies again, so the group follows the resources' tags as discovery sees them.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSimAdapter, type CloudAdapter, type DiscoveredResource } from '@stratus/cloud';
import { matchResources, parseMatch } from '@stratus/match';
import { startIngestionApp, type IngestionApp } from '../../../test/ingestion-app.ts';
import { syncAccount, type SyncableAccount } from '../discovery/discovery.service.ts';

let app: IngestionApp;
let account: SyncableAccount;

const vm = (id: string, team: string): DiscoveredResource => ({ provider_resource_id: id, name: id, type: 'vm', region: 'eu-west-1', zone: null, state: 'running', tags: { team }, metadata: {} });

/** One sync of the account, discovering exactly these resources. */
async function sync(resources: DiscoveredResource[]) {
  const adapterFor = async (_trx: unknown, stored: SyncableAccount): Promise<CloudAdapter> => ({
    ...createSimAdapter({ ...stored, settings: { sim: { seed: 'groups', resources: 1 } } }),
    discover: async function* () {
      yield resources;
    },
  });
  await syncAccount({ db: app.deps.db, outbox: app.deps.outbox, logger: pino({ level: 'silent' }), adapterFor }, { organization_id: app.organizationId, cloud_account_id: account.id });
}

async function members(groupId: string): Promise<string[]> {
  const { body } = await app.call('GET', `/v1/resource-groups/${groupId}/members`);
  return body.data.map((member: { provider_resource_id: string }) => member.provider_resource_id).sort();
}

beforeAll(async () => {
  app = await startIngestionApp();
  account = await app.database.owner
    .insertInto('cloud_accounts')
    .values({ organization_id: app.organizationId, name: 'prod', provider: 'AWS', account_id: '123456789012' })
    .returning(['id', 'organization_id', 'provider', 'account_id', 'status', 'settings'])
    .executeTakeFirstOrThrow();
  await sync([vm('i-web-1', 'web'), vm('i-db-1', 'db')]);
});

afterAll(async () => {
  await app?.close();
});

it('keeps an expression group in step with each sync, and a second sync of the same inventory changes nothing', async () => {
  const created = await app.call('POST', '/v1/resource-groups', { body: { cloud_account_id: account.id, name: 'web tier', match: 'team=web' } });
  expect(created).toMatchObject({ status: 201, body: { name: 'web tier', match: 'team=web', members: 1 } });
  const id = created.body.id as string;
  expect(await members(id)).toEqual(['i-web-1']);

  await sync([vm('i-web-1', 'db'), vm('i-db-1', 'web'), vm('i-web-2', 'web')]);
  expect(await members(id)).toEqual(['i-db-1', 'i-web-2']);
  await sync([vm('i-web-1', 'db'), vm('i-db-1', 'web'), vm('i-web-2', 'web')]);
  expect(await members(id)).toEqual(['i-db-1', 'i-web-2']);

  // Rules, schedules and workflows select by group in the match language.
  const matched = await matchResources(app.deps.db, app.organizationId, parseMatch('resource_group="web tier" OR resource_group=nothing'), { limit: 10 });
  expect(matched.resources.map((resource) => resource.name).sort()).toEqual(['i-db-1', 'i-web-2']);

  const narrowed = await app.call('PATCH', `/v1/resource-groups/${id}`, { body: { match: 'team=web AND name=i-web-*' } });
  expect(narrowed.body).toMatchObject({ match: 'team=web AND name=i-web-*', members: 1 });
  expect((await app.call('PUT', `/v1/resource-groups/${id}/members/${created.body.id}`)).status).toBe(409);
});

it('sets members by hand, of the same account only, and refuses an expression that does not parse', async () => {
  const group = (await app.call('POST', '/v1/resource-groups', { body: { cloud_account_id: account.id, name: 'pets', description: 'kept by hand' } })).body;
  const [resource] = await app.database.owner.selectFrom('resources').select('id').where('provider_resource_id', '=', 'i-db-1').execute();
  expect((await app.call('PUT', `/v1/resource-groups/${group.id}/members/${resource!.id}`)).status).toBe(204);
  expect((await app.call('PUT', `/v1/resource-groups/${group.id}/members/${resource!.id}`)).status).toBe(204);
  expect((await app.call('PUT', `/v1/resource-groups/${group.id}/members/${group.id}`)).status).toBe(400);
  expect(await members(group.id)).toEqual(['i-db-1']);
  const listed = await app.call('GET', `/v1/resource-groups?cloud_account_id=${account.id}`);
  expect(listed.body.data.map((each: { name: string; members: number }) => [each.name, each.members])).toEqual([['pets', 1], ['web tier', 1]]);

  expect((await app.call('POST', '/v1/resource-groups', { body: { cloud_account_id: account.id, name: 'pets' } })).status).toBe(409);
  const refused = await app.call('POST', '/v1/resource-groups', { body: { cloud_account_id: account.id, name: 'broken', match: 'team=' } });
  expect(refused).toMatchObject({ status: 400, body: { message: expect.stringContaining('body.match') } });

  expect((await app.call('DELETE', `/v1/resource-groups/${group.id}/members/${resource!.id}`)).status).toBe(204);
  expect((await app.call('DELETE', `/v1/resource-groups/${group.id}`)).status).toBe(204);
  expect((await app.call('GET', `/v1/resource-groups/${group.id}`)).status).toBe(404);
});
