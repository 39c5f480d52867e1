/**
 * `stratus terraform ...`: the real CLI executable against the ingestion service's real API (on a
 * port of its own), as an operator runs it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startIngestionApp, type IngestionApp } from './ingestion-app.ts';

const bin = fileURLToPath(new URL('../../../packages/cli/bin/stratus', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/fleet.tfstate', import.meta.url));

let ingestion: IngestionApp;
let url: string;

function stratus(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH, STRATUS_URL: url, STRATUS_TOKEN: ingestion.token };
  return new Promise((resolve) => {
    execFile(bin, args, { env }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

beforeAll(async () => {
  ingestion = await startIngestionApp();
  await ingestion.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(ingestion.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await ingestion?.close();
});

it('registers a state from a file, lists its resources and coverage, and registers modules', async () => {
  const added = await stratus(['terraform', 'states', 'add', '--name', 'fleet', '--file', fixture, '--module-version', 'compute=2.1.0']);
  expect(added).toMatchObject({ code: 0, stdout: expect.stringMatching(/^registered state fleet as [0-9a-f-]{36}: 11 resources parsed\n$/) });
  const stateId = /as ([0-9a-f-]{36})/.exec(added.stdout)![1]!;

  const resources = await stratus(['terraform', 'states', 'resources', stateId]);
  expect(resources.code).toBe(0);
  expect(resources.stdout).toContain('module.compute.aws_ebs_volume.data["logs"]');
  expect(resources.stdout.trim().split('\n')).toHaveLength(12);

  const listed = await stratus(['terraform', 'states', 'list']);
  expect(listed.stdout).toMatch(/fleet\s+upload\s+42\s+11/);

  // No account was discovered: the state's instances of known types are all missing, apart.
  const coverage = await stratus(['terraform', 'coverage']);
  expect(coverage).toMatchObject({ code: 0, stdout: 'CLOUD_ACCOUNT_ID  DISCOVERED  MANAGED  UNMANAGED  MISSING  COVERAGE\nmissing from states that name no account: 10\n' });

  expect((await stratus(['terraform', 'modules', 'add', '--name', 'compute', '--version', '2.1.0', '--source', 'app.terraform.io/acme/compute/aws'])).code).toBe(0);
  const usage = await stratus(['terraform', 'modules', 'usage']);
  expect(usage.stdout).toMatch(/compute\s+2\.1\.0\s+fleet\s+module\.compute\s+5/);

  const refused = await stratus(['terraform', 'states', 'add', '--name', 'nothing']);
  expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('give --file or --backend-url') });
});
