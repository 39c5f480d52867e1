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

  // Each change is announced for the audit trail, as the console and ingestion announce theirs.
  const events = await database.owner.selectFrom('event_outbox_events').select(['producer', 'type', 'envelope']).orderBy('seq').execute();
  expect(events.map((event) => [event.producer, event.type, event.envelope.data])).toEqual([
    ['console', 'team.changed', { user_id: null, team_id: teamId, change: 'created', name: 'platform' }],
    ['console', 'team.changed', { user_id: null, team_id: teamId, change: 'member_set', name: 'platform', member_user_id: org.user.id, member_role: 'maintainer' }],
    ['ingestion', 'cloud_account.access_changed', { user_id: null, cloud_account_id: accountId, team_id: teamId, access_level: 'operate' }],
    ['ingestion', 'cloud_account.access_changed', { user_id: null, cloud_account_id: accountId, team_id: teamId, access_level: null }],
    ['console', 'team.changed', { user_id: null, team_id: teamId, change: 'member_removed', name: 'platform', member_user_id: org.user.id }],
    ['console', 'team.changed', { user_id: null, team_id: teamId, change: 'deleted', name: 'platform' }],
  ]);
  expect(new Set(events.map((event) => event.envelope.tenant))).toEqual(new Set([orgId]));
  // A dozen CLI processes, each starting Node and the command.
}, 180_000);
