/** `stratus groups`, the real executable against the ingestion service's real app, listening. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stratus } from '../../../packages/cli/test/run-cli.ts';
import { startIngestionApp, type IngestionApp } from './ingestion-app.ts';

let app: IngestionApp;
let env: Record<string, string>;
let accountId: string;
let resourceId: string;

beforeAll(async () => {
  app = await startIngestionApp();
  const address = await app.app.listen({ host: '127.0.0.1', port: 0 });
  env = { STRATUS_URL: address, STRATUS_TOKEN: app.token };
  const owner = app.database.owner;
  const organization_id = app.organizationId;
  accountId = (await owner.insertInto('cloud_accounts').values({ organization_id, name: 'prod', provider: 'AWS', account_id: '123456789012' }).returning('id').executeTakeFirstOrThrow()).id;
  resourceId = (
    await owner
      .insertInto('resources')
      .values({ organization_id, cloud_account_id: accountId, provider: 'AWS', provider_resource_id: 'i-web-1', name: 'web-1', type: 'vm', tags: JSON.stringify({ team: 'web' }) })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
});

afterAll(async () => {
  await app?.close();
});

it('creates an expression group and a group set by hand, lists them, adds, shows and removes members, and deletes', async () => {
  const web = await stratus(['groups', 'create', '--account', accountId, '--name', 'web tier', '--match', 'team=web'], env);
  expect(web.stdout).toMatch(/^created web tier \(\S+\): 1 resources, match team=web\n$/);
  const pets = await stratus(['groups', 'create', '--account', accountId, '--name', 'pets'], env);
  const petsId = /\((\S+)\)/.exec(pets.stdout)![1]!;
  expect((await stratus(['groups', 'add', petsId, resourceId], env)).stdout).toBe(`resource ${resourceId} added to group ${petsId}\n`);
  expect((await stratus(['groups', 'members', petsId], env)).stdout).toContain('i-web-1');
  const listed = await stratus(['groups', 'list', '--account', accountId], env);
  expect(listed.stdout).toMatch(/pets\s+1\s+\(by hand\)/);
  expect(listed.stdout).toMatch(/web tier\s+1\s+team=web/);
  expect((await stratus(['groups', 'create', '--account', accountId, '--name', 'broken', '--match', 'team='], env))).toMatchObject({ code: 2, stderr: expect.stringContaining('body.match') });
  expect((await stratus(['groups', 'remove', petsId, resourceId], env)).code).toBe(0);
  expect((await stratus(['groups', 'delete', petsId], env)).stdout).toBe(`group ${petsId} deleted\n`);
});
