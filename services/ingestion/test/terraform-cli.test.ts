/**
 * `stratus terraform ...`: the real CLI executable against the ingestion service's real API (on a
 * port of its own), as an operator runs it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { createTestObjectStore, type TestObjectStore } from '@stratus/testing';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from './azurite.ts';
import { startIngestionApp, type IngestionApp } from './ingestion-app.ts';
import { terraformStatePullJob } from '../src/jobs/terraform-state-pull.job.ts';

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
  // Azurite listens on loopback, a network an operator must allow backends to be read from.
  ingestion = await startIngestionApp({ overrides: { TERRAFORM_BACKEND_ALLOWED_NETWORKS: '127.0.0.0/8' } });
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
  expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('give one of --file, --backend-url, --s3-bucket and --azure-storage-account') });
});

it('registers a state in an s3 backend, its secret key read from a file, and queues a pull of it', async () => {
  const s3: TestObjectStore = await createTestObjectStore();
  const dir = await mkdtemp(join(tmpdir(), 'stratus-tf-'));
  try {
    const secretFile = join(dir, 'secret');
    await writeFile(secretFile, `${s3.env.S3_SECRET_ACCESS_KEY}\n`);
    const base = ['terraform', 'states', 'add', '--s3-bucket', s3.env.S3_BUCKET, '--s3-region', 'us-east-1', '--s3-endpoint', s3.env.S3_ENDPOINT, '--s3-force-path-style'];
    const noKey = await stratus([...base, '--name', 'no-key']);
    expect(noKey).toMatchObject({ code: 2, stderr: expect.stringContaining('body.backend.key') });

    const added = await stratus([...base, '--name', 'from-s3', '--s3-key', 'prod.tfstate', '--s3-access-key', s3.env.S3_ACCESS_KEY_ID, '--s3-secret-key-file', secretFile]);
    expect(added).toMatchObject({ code: 0, stdout: expect.stringMatching(/^registered state from-s3 as [0-9a-f-]{36}: pulled from its backend shortly\n$/) });
    const stateId = /as ([0-9a-f-]{36})/.exec(added.stdout)![1]!;
    const stored = await ingestion.database.owner.selectFrom('terraform_states').select(['backend', 'backend_config']).where('id', '=', stateId).executeTakeFirstOrThrow();
    expect(stored.backend).toBe('s3');
    expect(JSON.stringify(stored.backend_config)).not.toContain(s3.env.S3_SECRET_ACCESS_KEY);

    expect((await stratus(['terraform', 'states', 'list'])).stdout).toMatch(/from-s3\s+s3\s/);
    expect(await stratus(['terraform', 'states', 'pull', stateId])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^pull queued as job /) });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await s3.cleanup();
  }
});

it('registers a state in an azurerm backend, its access key read from a file, and pulls it', async () => {
  const azurite = await startAzurite();
  const dir = await mkdtemp(join(tmpdir(), 'stratus-tf-'));
  try {
    const container = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient('tfstate');
    await container.create();
    const state = await readFile(fixture, 'utf8');
    await container.getBlockBlobClient('prod.tfstate').upload(state, Buffer.byteLength(state));
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, `${AZURITE_KEY}\n`);
    const base = ['terraform', 'states', 'add', '--azure-storage-account', AZURITE_ACCOUNT, '--azure-container', 'tfstate', '--azure-endpoint', azurite.endpoint];
    const noKey = await stratus([...base, '--name', 'no-key', '--azure-access-key-file', keyFile]);
    expect(noKey).toMatchObject({ code: 2, stderr: expect.stringContaining('body.backend.key') });

    const added = await stratus([...base, '--name', 'from-azure', '--azure-key', 'prod.tfstate', '--azure-access-key-file', keyFile]);
    expect(added).toMatchObject({ code: 0, stdout: expect.stringMatching(/^registered state from-azure as [0-9a-f-]{36}: pulled from its backend shortly\n$/) });
    const stateId = /as ([0-9a-f-]{36})/.exec(added.stdout)![1]!;
    const stored = await ingestion.database.owner.selectFrom('terraform_states').select(['backend', 'backend_config']).where('id', '=', stateId).executeTakeFirstOrThrow();
    expect(stored.backend).toBe('azurerm');
    expect(JSON.stringify(stored.backend_config)).not.toContain(AZURITE_KEY);

    // The queued pull, run as the discovery worker runs it.
    const pull = terraformStatePullJob({ db: ingestion.deps.db, outbox: ingestion.deps.outbox, keyring: ingestion.deps.config.CREDENTIALS_KEYS, maxBytes: 1_000_000, allowedNetworks: ingestion.deps.config.TERRAFORM_BACKEND_ALLOWED_NETWORKS });
    expect(await pull({ terraform_state_id: stateId, organization_id: ingestion.organizationId }, undefined as never)).toEqual({ status: 'done', resources: 11 });
    expect((await stratus(['terraform', 'states', 'list'])).stdout).toMatch(/from-azure\s+azurerm\s.*\s42\s+11\s/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await azurite.stop();
  }
});
