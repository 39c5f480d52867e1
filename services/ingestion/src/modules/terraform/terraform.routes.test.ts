/**
 * Terraform awareness against a simulated fleet, through ingestion's real discovery and API: a state
 * of our own making (fixture fleet.tfstate: modules, a nested module, count and for_each instances,
 * a data source, a type discovery does not know, secrets) over 24 simulated AWS resources. The
 * expected split is written out by hand from the fixture and the fleet, not computed by the code
 * under test.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createSimAdapter, type CloudAccountRef } from '@stratus/cloud';
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { createTestObjectStore, type TestObjectStore } from '@stratus/testing';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type Azurite } from '../../../test/azurite.ts';
import { startIngestionApp, type IngestionApp } from '../../../test/ingestion-app.ts';
import { syncAccount } from '../discovery/discovery.service.ts';
import { terraformStatePullJob } from '../../jobs/terraform-state-pull.job.ts';
import { reconcileSchedules, pullSchedulerIdOf } from '../../jobs/discovery-scheduler.ts';

const FIXTURE = readFileSync(new URL('../../../test/fixtures/fleet.tfstate', import.meta.url), 'utf8');
const SECRET = 's3cr3t-never-served';
const ARN = 'arn:aws:ec2:{region}:123456789012';
const arn = (region: string, rest: string) => `${ARN.replace('{region}', region)}:${rest}`;

const MANAGED: Record<string, string> = {
  'arn:aws:s3:::search-exports-test-4883e5f6': 'aws_s3_bucket.exports',
  [arn('ap-northeast-1', 'instance/i-5696cfdefd51cd3eb')]: 'module.compute.aws_instance.app[0]',
  [arn('us-east-1', 'instance/i-54861ab4749f293f6')]: 'module.compute.aws_instance.app[1]',
  [arn('ap-northeast-1', 'volume/vol-614669112b55203db')]: 'module.compute.aws_ebs_volume.data["logs"]',
  [arn('ap-northeast-1', 'volume/vol-ba396b0446efa8d68')]: 'module.compute.aws_ebs_volume.data["scratch"]',
  'arn:aws:rds:us-east-1:123456789012:db:platform-reporting-prod-595b3ea3': 'module.database.aws_db_instance.main',
  [arn('us-east-1', 'elastic-ip/eipalloc-4c1cb7f30068a9ec2')]: 'module.network.aws_eip.egress["growth"]',
  'arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/mobile-prod-03a704d5/5af31cad03a704d5':
    'module.network.module.lb.aws_lb.public',
};
const MISSING = ['module.compute.aws_instance.app[2]', 'module.network.aws_eip.egress["gone"]'];
const FLEET = 24;

let ingestion: IngestionApp;
let accountId: string;
let ref: CloudAccountRef;
let backend: Server;
let backendUrl: string;
let backendHits = 0;
let s3: TestObjectStore;
let azurite: Azurite;
let container: ContainerClient;

const logger = pino({ level: 'silent' });
const sync = () =>
  syncAccount(
    { db: ingestion.deps.db, outbox: ingestion.deps.outbox, logger, adapterFor: async () => createSimAdapter(ref) },
    { organization_id: ingestion.organizationId, cloud_account_id: accountId },
  );

/** The pull job; the backends of these tests (an HTTP server, S3Mock, Azurite) listen on loopback, a network an operator must allow. */
const pullJob = (allowedNetworks: string[] = ['127.0.0.0/8']) =>
  terraformStatePullJob({ db: ingestion.deps.db, outbox: ingestion.deps.outbox, keyring: ingestion.deps.config.CREDENTIALS_KEYS, maxBytes: 1_000_000, allowedNetworks });

const upload = (id: string, body: string) =>
  ingestion.app.inject({
    method: 'PUT',
    url: `/v1/terraform/states/${id}/state`,
    headers: { authorization: `Bearer ${ingestion.token}`, 'content-type': 'application/octet-stream' },
    payload: body,
  });

async function driftEvents() {
  const rows = await ingestion.database.owner.selectFrom('event_outbox_events').select('envelope').where('type', '=', 'resource.drifted').execute();
  return rows.map((row) => (row.envelope as { data: { address: string; drifted: unknown[] } }).data);
}

beforeAll(async () => {
  ingestion = await startIngestionApp({ logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  const linked = await ingestion.call('POST', '/v1/cloud-accounts', {
    body: { provider: 'AWS', account_id: '123456789012', name: 'sim', settings: { sim: { seed: 'terraform', resources: FLEET, operation_latency_ms: 0, failure_rate: 0 } } },
  });
  expect(linked.status).toBe(201);
  accountId = linked.body.id;
  ref = { id: accountId, provider: 'AWS', account_id: '123456789012', settings: linked.body.settings };
  backend = createServer((request, response) => {
    backendHits += 1;
    if (request.headers.authorization !== `Basic ${Buffer.from('ci:backend-pass').toString('base64')}`) return void response.writeHead(401).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(FIXTURE);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/state/fleet`;
  s3 = await createTestObjectStore();
  azurite = await startAzurite();
  container = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient('tfstate');
  await container.create();
});

afterAll(async () => {
  backend?.close();
  await s3?.cleanup();
  await azurite?.stop();
  await ingestion?.close();
});

describe('an uploaded state over a simulated fleet', () => {
  let stateId: string;

  it('parses the managed instances of every module, with count indexes and for_each keys, and serves no secret', async () => {
    expect((await sync()).seen).toBe(FLEET);
    const created = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'fleet', cloud_account_id: accountId } });
    expect(created.status).toBe(201);
    stateId = created.body.id;
    const uploaded = await upload(stateId, FIXTURE);
    expect(uploaded.statusCode).toBe(200);
    expect(uploaded.json()).toMatchObject({ resources: 11, serial: '42', terraform_version: '1.9.8', backend: 'upload', last_error: null });

    const listed = await ingestion.call('GET', `/v1/terraform/states/${stateId}/resources?limit=500`);
    const byAddress = Object.fromEntries(listed.body.items.map((item: { address: string }) => [item.address, item]));
    expect(Object.keys(byAddress).sort()).toEqual([...Object.values(MANAGED), ...MISSING, 'aws_security_group.default'].sort());
    expect(byAddress['module.compute.aws_ebs_volume.data["logs"]']).toMatchObject({ module_path: 'module.compute', type: 'aws_ebs_volume', name: 'data', provider: 'aws', index_key: '"logs"' });
    expect(byAddress['module.compute.aws_instance.app[1]']).toMatchObject({ index_key: '1', size_attribute: 'instance_type', size: 'm5.xlarge' });
    expect(byAddress['module.network.module.lb.aws_lb.public'].module_path).toBe('module.network.module.lb');

    const everything = JSON.stringify([uploaded.json(), listed.body, (await ingestion.call('GET', '/v1/terraform/states')).body]);
    expect(everything).not.toContain(SECRET);
    const stored = await ingestion.database.owner.selectFrom('terraform_states').select('state_file').where('id', '=', stateId).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored.state_file)).not.toContain(SECRET);
  });

  it('splits the account into managed, unmanaged and missing, with coverage', async () => {
    const coverage = await ingestion.call('GET', `/v1/terraform/coverage?cloud_account_id=${accountId}`);
    expect(coverage.body).toEqual({
      accounts: [{ cloud_account_id: accountId, discovered: FLEET, managed: 8, unmanaged: 16, missing: 2, coverage_percent: '33.33' }],
      missing_without_account: 0,
    });

    const list = async (status: string) => (await ingestion.call('GET', `/v1/terraform/resources?cloud_account_id=${accountId}&status=${status}&limit=500`)).body.items;
    const managed = await list('managed');
    expect(Object.fromEntries(managed.map((item: { provider_resource_id: string; managed_by: { address: string } }) => [item.provider_resource_id, item.managed_by.address]))).toEqual(MANAGED);
    const unmanaged = await list('unmanaged');
    expect(unmanaged).toHaveLength(16);
    expect(unmanaged.every((item: { managed_by: unknown; provider_resource_id: string }) => item.managed_by === null && !(item.provider_resource_id in MANAGED))).toBe(true);
    expect((await list('missing')).map((item: { managed_by: { address: string } }) => item.managed_by.address).sort()).toEqual([...MISSING].sort());
  });

  it('reports each drift once: a resync or the same upload again reports nothing', async () => {
    const drifts = await driftEvents();
    expect(drifts.map((drift) => drift.address).sort()).toEqual(['module.compute.aws_ebs_volume.data["logs"]', 'module.compute.aws_instance.app[1]']);
    expect(drifts.find((drift) => drift.address.includes('aws_instance'))!.drifted).toEqual([
      { field: 'size', attribute: 'instance_type', expected: 'm5.xlarge', actual: 'm5.large' },
    ]);
    expect(drifts.find((drift) => drift.address.includes('aws_ebs_volume'))!.drifted).toEqual([
      {
        field: 'tags',
        attribute: 'tags',
        expected: { env: 'prod', team: 'data-platform', 'cost-center': 'cc-4130' },
        actual: { env: 'prod', team: 'data-platform', owner: 'lukas-mueller', 'cost-center': 'cc-4130' },
      },
    ]);

    await sync();
    await sync();
    expect((await upload(stateId, FIXTURE)).statusCode).toBe(200);
    expect(await driftEvents()).toHaveLength(2);

    // The code catches up with the console: the drift is resolved, and a new one would be reported again.
    const fixed = FIXTURE.replace('"m5.xlarge"', '"m5.large"');
    expect((await upload(stateId, fixed)).statusCode).toBe(200);
    await sync();
    expect(await driftEvents()).toHaveLength(2);
    expect((await upload(stateId, FIXTURE)).statusCode).toBe(200);
    expect((await driftEvents()).filter((drift) => drift.address === 'module.compute.aws_instance.app[1]')).toHaveLength(2);
  });

  it('links instances to registered module versions and says which versions are in use where', async () => {
    const register = async (body: Record<string, unknown>) => (await ingestion.call('POST', '/v1/terraform/modules', { body })).body.id as string;
    const compute21 = await register({ name: 'compute', version: '2.1.0', source_url: 'app.terraform.io/acme/compute/aws', variables: { instance_count: { type: 'number' } } });
    await register({ name: 'compute', version: '2.2.0' });
    const database = await register({ name: 'database' });
    // Two versions of compute and no version given: the instances are not linked to either.
    expect((await ingestion.call('GET', '/v1/terraform/modules/usage')).body.items.map((row: { name: string }) => row.name)).toEqual(['database']);

    expect((await ingestion.call('PATCH', `/v1/terraform/states/${stateId}`, { body: { module_versions: { compute: '2.1.0' } } })).status).toBe(200);
    const usage = await ingestion.call('GET', '/v1/terraform/modules/usage');
    expect(usage.body.items).toEqual([
      { terraform_module_id: compute21, name: 'compute', version: '2.1.0', terraform_state_id: stateId, state_name: 'fleet', cloud_account_id: accountId, module_path: 'module.compute', resources: 5 },
      { terraform_module_id: database, name: 'database', version: null, terraform_state_id: stateId, state_name: 'fleet', cloud_account_id: accountId, module_path: 'module.database', resources: 1 },
    ]);
    const duplicate = await ingestion.call('POST', '/v1/terraform/modules', { body: { name: 'compute', version: '2.1.0' } });
    expect(duplicate.status).toBe(409);

    expect((await ingestion.call('DELETE', `/v1/terraform/modules/${compute21}`)).status).toBe(204);
    expect((await ingestion.call('GET', '/v1/terraform/modules/usage')).body.items.map((row: { name: string }) => row.name)).toEqual(['database']);
  });

  it('refuses what is not a state, naming why', async () => {
    const notJson = await upload(stateId, '{"version": 4,');
    expect(notJson.statusCode).toBe(400);
    const v3 = await upload(stateId, JSON.stringify({ version: 3, resources: [] }));
    expect(v3.statusCode).toBe(400);
    expect(v3.json().message).toContain('state format version 3 is not supported');
  });

  it('forgets a state and all that was parsed of it', async () => {
    expect((await ingestion.call('DELETE', `/v1/terraform/states/${stateId}`)).status).toBe(204);
    const coverage = await ingestion.call('GET', `/v1/terraform/coverage?cloud_account_id=${accountId}`);
    expect(coverage.body.accounts[0]).toMatchObject({ managed: 0, unmanaged: FLEET, missing: 0, coverage_percent: '0.00' });
  });
});

describe('a state pulled from an HTTP backend', () => {
  it('is pulled on a schedule; a pull of the same serial again (a retried job) changes nothing', async () => {
    const created = await ingestion.call('POST', '/v1/terraform/states', {
      body: { name: 'from-backend', backend: { type: 'http', url: backendUrl, username: 'ci', password: 'backend-pass' }, pull_interval_minutes: 15 },
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain('backend-pass');
    const stateId = created.body.id as string;
    const stored = await ingestion.database.owner.selectFrom('terraform_states').select('backend_config').where('id', '=', stateId).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored.backend_config)).not.toContain('backend-pass');

    await reconcileSchedules(ingestion.deps);
    const schedulers = await ingestion.deps.queues.queues.discovery.getJobSchedulers(0, 10);
    expect(schedulers).toContainEqual(expect.objectContaining({ key: pullSchedulerIdOf(stateId), every: 15 * 60_000, name: 'terraform.state.pull' }));

    const pull = pullJob();
    const payload = { terraform_state_id: stateId, organization_id: ingestion.organizationId };
    const before = (await driftEvents()).length;
    expect(await pull(payload, undefined as never)).toEqual({ status: 'done', resources: 11 });
    expect(await pull(payload, undefined as never)).toEqual({ status: 'skipped', reason: 'serial 42 is the one stored' });
    expect(backendHits).toBe(2);
    // A new state's instances are new: their drift is reported, once.
    expect((await driftEvents()).length).toBe(before + 2);

    // The state names no account: its matches count in any account, its missing instances apart.
    const coverage = await ingestion.call('GET', '/v1/terraform/coverage');
    expect(coverage.body).toEqual({
      accounts: [{ cloud_account_id: accountId, discovered: FLEET, managed: 8, unmanaged: 16, missing: 0, coverage_percent: '33.33' }],
      missing_without_account: 2,
    });
    const upload = await ingestion.app.inject({ method: 'PUT', url: `/v1/terraform/states/${stateId}/state`, headers: { authorization: `Bearer ${ingestion.token}`, 'content-type': 'application/octet-stream' }, payload: FIXTURE });
    expect(upload.statusCode).toBe(409);
  });
});

describe('the addresses a backend may be read from', () => {
  const create = async (name: string, url: string) => {
    const created = await ingestion.call('POST', '/v1/terraform/states', { body: { name, backend: { type: 'http', url, username: 'ci', password: 'backend-pass' } } });
    expect(created.status).toBe(201);
    return { terraform_state_id: created.body.id as string, organization_id: ingestion.organizationId };
  };
  const lastError = async (id: string) => (await ingestion.call('GET', `/v1/terraform/states/${id}`)).body.last_error;
  const setting = 'backends are read from public addresses and from the networks TERRAFORM_BACKEND_ALLOWED_NETWORKS lists (for example 10.0.0.0/8)';

  it('refuses this host unless its network is allowed, by address and by name, without connecting', async () => {
    const hits = backendHits;
    const byAddress = await create('loopback', backendUrl);
    await expect(pullJob([])(byAddress, undefined as never)).rejects.toThrow(`the backend's host is a loopback address; ${setting}`);
    const byName = await create('localhost', backendUrl.replace('127.0.0.1', 'localhost'));
    await expect(pullJob([])(byName, undefined as never)).rejects.toThrow(`the backend's host resolves to a loopback address; ${setting}`);
    expect(await lastError(byName.terraform_state_id)).toBe(`the backend's host resolves to a loopback address; ${setting}`);
    expect(backendHits).toBe(hits);
    // Listed, the same backend is read.
    expect(await pullJob(['127.0.0.0/8', '::1/128'])(byName, undefined as never)).toMatchObject({ status: 'done' });
  });

  it('never reaches the cloud metadata service, nor an s3 or azurerm endpoint outside the allowed networks', async () => {
    const metadata = await create('metadata', 'http://169.254.169.254/latest/meta-data/');
    await expect(pullJob()(metadata, undefined as never)).rejects.toThrow(`the backend's host is a link-local (where cloud metadata services answer) address; ${setting}`);
    const created = await ingestion.call('POST', '/v1/terraform/states', {
      body: {
        name: 'private-s3',
        backend: { type: 's3', bucket: 'state', key: 'k', region: 'us-east-1', endpoint: 'http://10.1.2.3:9000', access_key: 'a', secret_key: 'b' },
      },
    });
    const s3State = { terraform_state_id: created.body.id as string, organization_id: ingestion.organizationId };
    await expect(pullJob()(s3State, undefined as never)).rejects.toThrow(`the backend's host is a private (RFC 1918) address; ${setting}`);
  });
});

describe('a state pulled from an s3 backend', () => {
  const key = 'env:/prod/fleet.tfstate';
  const s3Backend = () => ({
    type: 's3',
    bucket: s3.env.S3_BUCKET,
    key,
    region: 'us-east-1',
    endpoint: s3.env.S3_ENDPOINT,
    force_path_style: true,
    access_key: s3.env.S3_ACCESS_KEY_ID,
    secret_key: s3.env.S3_SECRET_ACCESS_KEY,
  });

  it('refuses an incomplete backend, naming the field', async () => {
    const { bucket: _bucket, ...noBucket } = s3Backend();
    const missing = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'no-bucket', backend: noBucket } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('body.backend.bucket');
    const { secret_key: _secret, ...halfCredentials } = s3Backend();
    const half = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'half', backend: halfCredentials } });
    expect(half.status).toBe(400);
    expect(half.body.message).toContain('body.backend.secret_key');
    const badBucket = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'bad', backend: { ...s3Backend(), bucket: 'Not_A_Bucket' } } });
    expect(badBucket.status).toBe(400);
    expect(badBucket.body.message).toContain('body.backend.bucket must be a bucket name');
  });

  it('is pulled on a schedule: a new serial is applied, an unchanged object skipped, a missing one recorded', async () => {
    await s3.store.put(key, FIXTURE);
    const created = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'from-s3', backend: s3Backend(), pull_interval_minutes: 30 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ backend: 's3', serial: null });
    const stateId = created.body.id as string;
    const stored = await ingestion.database.owner.selectFrom('terraform_states').select('backend_config').where('id', '=', stateId).executeTakeFirstOrThrow();
    expect(JSON.stringify([created.body, stored.backend_config])).not.toContain(s3.env.S3_SECRET_ACCESS_KEY);

    await reconcileSchedules(ingestion.deps);
    const schedulers = await ingestion.deps.queues.queues.discovery.getJobSchedulers(0, 10);
    expect(schedulers).toContainEqual(expect.objectContaining({ key: pullSchedulerIdOf(stateId), every: 30 * 60_000, name: 'terraform.state.pull' }));

    const pull = pullJob();
    const payload = { terraform_state_id: stateId, organization_id: ingestion.organizationId };
    const view = async () => (await ingestion.call('GET', `/v1/terraform/states/${stateId}`)).body;
    expect(await pull(payload, undefined as never)).toEqual({ status: 'done', resources: 11 });
    expect(await view()).toMatchObject({ serial: '42', resources: 11, last_error: null });
    const etag = (await s3.store.head(key))!.etag;
    expect(await pull(payload, undefined as never)).toEqual({ status: 'skipped', reason: `ETag ${etag} is the one read last` });

    // terraform apply writes serial 43 without the security group.
    const next = JSON.parse(FIXTURE) as { serial: number; resources: { type: string }[] };
    next.serial = 43;
    next.resources = next.resources.filter((resource) => resource.type !== 'aws_security_group');
    await s3.store.put(key, JSON.stringify(next));
    expect(await pull(payload, undefined as never)).toEqual({ status: 'done', resources: 10 });
    expect(await view()).toMatchObject({ serial: '43', resources: 10, last_error: null });

    await s3.store.delete([key]);
    await expect(pull(payload, undefined as never)).rejects.toThrow(`s3://${s3.env.S3_BUCKET}/${key}: no such object`);
    expect(await view()).toMatchObject({ serial: '43', resources: 10, last_error: `s3://${s3.env.S3_BUCKET}/${key}: no such object` });

    // The object is back as it was: the same ETag, nothing to parse again, and the error is over.
    await s3.store.put(key, JSON.stringify(next));
    expect(await pull(payload, undefined as never)).toMatchObject({ status: 'skipped', reason: expect.stringContaining('ETag') });
    expect(await view()).toMatchObject({ serial: '43', last_error: null });

    const now = await ingestion.call('POST', `/v1/terraform/states/${stateId}/pull`);
    expect(now.status).toBe(202);
  });
});

describe('a state pulled from an azurerm backend', () => {
  const key = 'fleet.tfstateenv:prod';
  const azurermBackend = (credentials: { access_key?: string; sas_token?: string } = { access_key: AZURITE_KEY }) => ({
    type: 'azurerm',
    storage_account_name: AZURITE_ACCOUNT,
    container_name: 'tfstate',
    key,
    endpoint: azurite.endpoint,
    ...credentials,
  });
  const put = (body: string) => container.getBlockBlobClient(key).upload(body, Buffer.byteLength(body));
  const pull = (stateId: string) =>
    pullJob()(
      { terraform_state_id: stateId, organization_id: ingestion.organizationId },
      undefined as never,
    );
  const view = async (stateId: string) => (await ingestion.call('GET', `/v1/terraform/states/${stateId}`)).body;

  it('refuses an incomplete backend, naming the field', async () => {
    const { storage_account_name: _account, ...noAccount } = azurermBackend();
    const missing = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'no-account', backend: noAccount } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('body.backend.storage_account_name');
    const { access_key: _key, ...noCredentials } = azurermBackend();
    const none = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'none', backend: noCredentials } });
    expect(none.status).toBe(400);
    expect(none.body.message).toContain('body.backend.access_key give access_key or sas_token');
    const both = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'both', backend: { ...azurermBackend(), sas_token: 'sv=x' } } });
    expect(both.status).toBe(400);
    const badContainer = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'bad', backend: { ...azurermBackend(), container_name: 'tf--state' } } });
    expect(badContainer.status).toBe(400);
    expect(badContainer.body.message).toContain('body.backend.container_name must be a container name');
  });

  it('is pulled on a schedule with its access key: a new serial is applied, an unchanged blob skipped, a missing one recorded', async () => {
    await put(FIXTURE);
    const created = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'from-azure', backend: azurermBackend(), pull_interval_minutes: 15 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ backend: 'azurerm', serial: null });
    const stateId = created.body.id as string;
    const stored = await ingestion.database.owner.selectFrom('terraform_states').select('backend_config').where('id', '=', stateId).executeTakeFirstOrThrow();
    expect(JSON.stringify([created.body, stored.backend_config])).not.toContain(AZURITE_KEY);

    await reconcileSchedules(ingestion.deps);
    const schedulers = await ingestion.deps.queues.queues.discovery.getJobSchedulers(0, 50);
    expect(schedulers).toContainEqual(expect.objectContaining({ key: pullSchedulerIdOf(stateId), every: 15 * 60_000, name: 'terraform.state.pull' }));

    expect(await pull(stateId)).toEqual({ status: 'done', resources: 11 });
    expect(await view(stateId)).toMatchObject({ serial: '42', resources: 11, last_error: null });
    const etag = (await container.getBlobClient(key).getProperties()).etag;
    expect(await pull(stateId)).toEqual({ status: 'skipped', reason: `ETag ${etag} is the one read last` });

    // terraform apply writes serial 43 without the security group.
    const next = JSON.parse(FIXTURE) as { serial: number; resources: { type: string }[] };
    next.serial = 43;
    next.resources = next.resources.filter((resource) => resource.type !== 'aws_security_group');
    await put(JSON.stringify(next));
    expect(await pull(stateId)).toEqual({ status: 'done', resources: 10 });
    expect(await view(stateId)).toMatchObject({ serial: '43', resources: 10, last_error: null });

    await container.getBlobClient(key).delete();
    const missing = `azurerm ${AZURITE_ACCOUNT}/tfstate/${key}: no such blob`;
    await expect(pull(stateId)).rejects.toThrow(missing);
    expect(await view(stateId)).toMatchObject({ serial: '43', resources: 10, last_error: missing });

    // The blob is back with the same serial: a new ETag, nothing stored again, and the error is over.
    await put(JSON.stringify(next));
    expect(await pull(stateId)).toEqual({ status: 'skipped', reason: 'serial 43 is the one stored' });
    expect(await view(stateId)).toMatchObject({ serial: '43', last_error: null });
    expect(await pull(stateId)).toMatchObject({ status: 'skipped', reason: expect.stringContaining('ETag') });

    expect((await ingestion.call('POST', `/v1/terraform/states/${stateId}/pull`)).status).toBe(202);
  });

  it('reads with a SAS token, and records a wrong key', async () => {
    await put(FIXTURE);
    const sas = generateBlobSASQueryParameters(
      { containerName: 'tfstate', blobName: key, permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3_600_000) },
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    ).toString();
    const withSas = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'azure-sas', backend: azurermBackend({ sas_token: `?${sas}` }) } });
    expect(withSas.status).toBe(201);
    expect(await pull(withSas.body.id as string)).toEqual({ status: 'done', resources: 11 });

    const wrongKey = Buffer.alloc(64, 1).toString('base64');
    const withWrongKey = await ingestion.call('POST', '/v1/terraform/states', { body: { name: 'azure-wrong-key', backend: azurermBackend({ access_key: wrongKey }) } });
    const denied = `azurerm ${AZURITE_ACCOUNT}/tfstate/${key}: access denied: the access key or SAS token does not allow reading the blob`;
    await expect(pull(withWrongKey.body.id as string)).rejects.toThrow(denied);
    expect(await view(withWrongKey.body.id as string)).toMatchObject({ serial: null, last_error: denied });
  });
});
