import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootstrapOrganization, verifyPassword } from '@stratus/auth';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { stratus } from '../../test/run-cli.ts';

let database: TestDatabase;
const folder = mkdtempSync(join(tmpdir(), 'stratus-users-'));

beforeAll(async () => {
  database = await createTestDatabase();
  await bootstrapOrganization(database.owner, { organizationName: 'People', adminEmail: 'admin@people.test' });
});

afterAll(async () => {
  await database?.drop();
  rmSync(folder, { recursive: true, force: true });
});

it("sets a user's console password from a file (argon2id), and lists users with their role", async () => {
  const file = join(folder, 'password');
  writeFileSync(file, 'a long enough password\n');
  const set = await stratus(['users', 'set-password', '--email', 'Admin@People.test', '--password-file', file], { DATABASE_URL: database.url });
  expect(set).toMatchObject({ code: 0, stdout: 'password of admin@people.test set\n' });
  const { password_hash } = await database.owner.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
  expect(password_hash).toMatch(/^\$argon2id\$/);
  expect(await verifyPassword(password_hash, 'a long enough password')).toBe(true);

  const list = await stratus(['users', 'list'], { DATABASE_URL: database.url });
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(/admin@people\.test {2}admin {2}active {2}People {2}never signed in/);
});

it('refuses a short password and an unknown email with exit code 2, naming the problem', async () => {
  const short = join(folder, 'short');
  writeFileSync(short, 'short\n');
  const refused = await stratus(['users', 'set-password', '--email', 'admin@people.test', '--password-file', short], { DATABASE_URL: database.url });
  expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('password must have at least 12 characters') });
  writeFileSync(short, 'a long enough password\n');
  const unknown = await stratus(['users', 'set-password', '--email', 'nobody@people.test', '--password-file', short], { DATABASE_URL: database.url });
  expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('no user with email nobody@people.test') });
});
