import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootstrapOrganization, type BootstrapResult } from '@stratus/auth';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { stratus } from '../../test/run-cli.ts';

let database: TestDatabase;
let org: BootstrapResult;
let accountId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  org = await bootstrapOrganization(database.owner, { organizationName: 'Teams', adminEmail: 'admin@teams.test' });
  const account = await database.owner
    .insertInto('cloud_accounts')
    .values({ organization_id: org.organization.id, name: 'production', provider: 'AWS', account_id: '123456789012' })
    .returning('id')
    .executeTakeFirstOrThrow();
  accountId = account.id;
});

afterAll(async () => {
  await database?.drop();
});

it('creates a team, staffs it, grants it an account and lists all of it; then revokes, removes and deletes', async () => {
  const env = { DATABASE_URL: database.url };
  const orgId = org.organization.id;
  const created = await stratus(['teams', 'create', '--org', orgId, '--name', 'platform', '--description', 'runs the clusters'], env);
  expect(created.code).toBe(0);
  const teamId = /created as (\S+)/.exec(created.stdout)![1]!;
  expect((await stratus(['teams', 'create', '--org', orgId, '--name', 'platform'], env)).stderr).toContain('a team named platform exists already');

  expect((await stratus(['teams', 'add-member', teamId, '--org', orgId, '--user', org.user.id, '--role', 'maintainer'], env)).stdout).toBe(`user ${org.user.id} is a maintainer of team platform\n`);
  expect((await stratus(['teams', 'grant', teamId, '--org', orgId, '--account', accountId, '--level', 'operate'], env)).code).toBe(0);
  expect((await stratus(['teams', 'grant', teamId, '--org', orgId, '--account', accountId, '--level', 'owner'], env)).code).toBe(2);

  const list = await stratus(['teams', 'list', '--org', orgId], env);
  expect(list.stdout).toBe(
    `${teamId}  platform  (runs the clusters)\n` +
      `  member   ${org.user.id}  admin@teams.test  maintainer\n` +
      `  account  ${accountId}  production  operate\n`,
  );

  expect((await stratus(['teams', 'revoke', teamId, '--org', orgId, '--account', accountId], env)).code).toBe(0);
  expect((await stratus(['teams', 'revoke', teamId, '--org', orgId, '--account', accountId], env)).stderr).toContain('is not granted to team');
  expect((await stratus(['teams', 'remove-member', teamId, '--org', orgId, '--user', org.user.id], env)).code).toBe(0);
  expect((await stratus(['teams', 'delete', teamId, '--org', orgId], env)).stdout).toBe('team platform deleted\n');
  expect(await database.owner.selectFrom('teams').select('id').execute()).toEqual([]);
});
