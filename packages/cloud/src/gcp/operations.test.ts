import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudOperationError, type OperationRequest } from '../adapter.ts';
import { gcpAdapter, grantTokens, PROJECT } from './test-support.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => grantTokens());
afterEach(() => nock.cleanAll());

const COMPUTE = 'https://compute.googleapis.com';
const ZONE_PATH = `/compute/v1/projects/${PROJECT}/zones/europe-west1-b`;
const SELF = `https://www.googleapis.com/compute/v1/projects/${PROJECT}`;
const INSTANCE = `//compute.googleapis.com/projects/${PROJECT}/zones/europe-west1-b/instances/api-1`;

function request(operation: OperationRequest['operation'], resource_type: OperationRequest['resource_type'], id: string, params = {}): OperationRequest {
  return { operation, resource_type, provider_resource_id: id, region: 'europe-west1', params };
}

function operation(name: string, status: 'RUNNING' | 'DONE', where: { zone?: string; region?: string }, extra: object = {}) {
  return {
    kind: 'compute#operation',
    id: '6201387650452281734',
    name,
    operationType: name.split('-')[1],
    status,
    progress: status === 'DONE' ? 100 : 0,
    insertTime: '2025-03-03T02:00:00.000-08:00',
    ...(where.zone ? { zone: `${SELF}/zones/${where.zone}` } : {}),
    ...(where.region ? { region: `${SELF}/regions/${where.region}` } : {}),
    ...extra,
  };
}

/**
 * One Compute Engine instance: actions start an operation that operations.wait reports DONE at the
 * second wait, and change the instance the way Compute Engine does. Records what it was asked.
 */
function fakeInstance(initial: { status: string; machineType: string; labels?: Record<string, string> }) {
  const instance = { ...initial, labels: initial.labels ?? {}, labelFingerprint: '42WmSpB8rSM=' };
  const calls: { action: string; body: unknown; requestId: string | null }[] = [];
  const pending = new Map<string, () => void>();
  let counter = 0;
  const effects: Record<string, (body: Record<string, unknown>) => void> = {
    stop: () => (instance.status = 'TERMINATED'),
    start: () => (instance.status = 'RUNNING'),
    setMachineType: (body) => {
      if (instance.status !== 'TERMINATED') throw new Error('setMachineType on a running instance');
      instance.machineType = String(body.machineType);
    },
    setLabels: (body) => {
      if (body.labelFingerprint !== instance.labelFingerprint) throw new Error('stale label fingerprint');
      instance.labels = body.labels as Record<string, string>;
      instance.labelFingerprint = 'bmV3LWZpbmdlcnByaW50';
    },
  };
  nock(COMPUTE)
    .post(new RegExp(`^${ZONE_PATH}/instances/api-1/(\\w+)`))
    .query(true)
    .reply(async (req: Request) => {
      const url = new URL(req.url);
      const action = url.pathname.split('/').pop() as string;
      const text = await req.text();
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      calls.push({ action, body, requestId: url.searchParams.get('requestId') });
      const name = `operation-${action}-${(counter += 1)}`;
      pending.set(name, () => effects[action]?.(body));
      return [200, operation(name, 'RUNNING', { zone: 'europe-west1-b' })];
    })
    .persist();
  const waits = new Map<string, number>();
  nock(COMPUTE)
    .post(new RegExp(`^${ZONE_PATH}/operations/([\\w-]+)/wait`))
    .query(true)
    .reply((req: Request) => {
      const name = new URL(req.url).pathname.split('/').at(-2) as string;
      const seen = (waits.get(name) ?? 0) + 1;
      waits.set(name, seen);
      if (seen < 2) return [200, operation(name, 'RUNNING', { zone: 'europe-west1-b' })];
      pending.get(name)?.();
      return [200, operation(name, 'DONE', { zone: 'europe-west1-b' })];
    })
    .persist();
  nock(COMPUTE)
    .get(`${ZONE_PATH}/instances/api-1`)
    .query(true)
    .reply(() => [
      200,
      {
        kind: 'compute#instance',
        id: '4567890123456789012',
        name: 'api-1',
        status: instance.status,
        machineType: `${SELF}/zones/europe-west1-b/machineTypes/${instance.machineType.split('/').pop()}`,
        labels: instance.labels,
        labelFingerprint: instance.labelFingerprint,
      },
    ])
    .persist();
  return { instance, calls };
}

describe('GCP operations', () => {
  it('stops an instance and waits on the zone operation until it is done', async () => {
    const { instance, calls } = fakeInstance({ status: 'RUNNING', machineType: 'n2-standard-4' });

    await expect(gcpAdapter().execute(request('stop', 'vm', INSTANCE))).resolves.toEqual({ state: 'terminated', details: {} });
    expect(calls.map((call) => call.action)).toEqual(['stop']);
    expect(instance.status).toBe('TERMINATED');
  });

  it('resizes a running instance: stop, setMachineType, start', async () => {
    const { instance, calls } = fakeInstance({ status: 'RUNNING', machineType: 'n2-standard-4' });

    const result = await gcpAdapter().execute(request('scale', 'vm', INSTANCE, { size: 'n2-standard-2' }));

    expect(calls.map((call) => call.action)).toEqual(['stop', 'setMachineType', 'start']);
    expect(calls[1]?.body).toEqual({ machineType: 'zones/europe-west1-b/machineTypes/n2-standard-2' });
    expect(instance).toMatchObject({ status: 'RUNNING', machineType: 'zones/europe-west1-b/machineTypes/n2-standard-2' });
    expect(result).toEqual({ state: 'running', details: { previous_size: 'n2-standard-4', size: 'n2-standard-2' } });
  });

  it('sends each call of an operation with its own requestId, the same when the operation is retried', async () => {
    const { calls } = fakeInstance({ status: 'RUNNING', machineType: 'n2-standard-4' });
    const scale = { ...request('scale', 'vm', INSTANCE, { size: 'n2-standard-2' }), client_token: '0193a7c0-3333-7000-8000-000000000003' };

    await gcpAdapter().execute(scale);
    await gcpAdapter().execute({ ...request('stop', 'vm', INSTANCE), client_token: '0193a7c0-4444-7000-8000-000000000004' });
    await gcpAdapter().execute({ ...request('start', 'vm', INSTANCE), client_token: '0193a7c0-4444-7000-8000-000000000004' });

    const ids = calls.map((call) => call.requestId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // stop, setMachineType and start of the scale, then another operation's stop and start.
    expect(new Set(ids).size).toBe(5);
    await gcpAdapter().execute(scale);
    expect(calls.slice(5).map((call) => call.requestId)).toEqual([]);
    // The instance is already n2-standard-2: nothing to send. A stop retried sends the same id.
    await gcpAdapter().execute({ ...request('stop', 'vm', INSTANCE), client_token: '0193a7c0-4444-7000-8000-000000000004' });
    expect(calls.at(-1)?.requestId).toBe(ids[3]);
    // Without a token (a call outside the executor), no requestId.
    await gcpAdapter().execute(request('start', 'vm', INSTANCE));
    expect(calls.at(-1)?.requestId).toBeNull();
  });

  it('merges labels with the current ones, under their fingerprint', async () => {
    const { instance } = fakeInstance({ status: 'RUNNING', machineType: 'n2-standard-4', labels: { env: 'prod', owner: 'api' } });

    const result = await gcpAdapter().execute(request('tag', 'vm', INSTANCE, { tags: { owner: 'finops', 'cost-center': '42' } }));

    expect(instance.labels).toEqual({ env: 'prod', owner: 'finops', 'cost-center': '42' });
    expect(result).toEqual({ state: null, details: { tags: { env: 'prod', owner: 'finops', 'cost-center': '42' } } });
  });

  it('snapshots a zonal disk under the requested name', async () => {
    let body: unknown;
    nock(COMPUTE)
      .post(`${ZONE_PATH}/disks/api-1/createSnapshot`)
      .query(true)
      .reply(async (req: Request) => {
        body = await req.json();
        return [200, operation('operation-createSnapshot-1', 'DONE', { zone: 'europe-west1-b' })];
      });

    const result = await gcpAdapter().execute(
      request('snapshot', 'disk', `//compute.googleapis.com/projects/${PROJECT}/zones/europe-west1-b/disks/api-1`, { name: 'api-1-before-cleanup' }),
    );

    expect(body).toEqual({ name: 'api-1-before-cleanup', labels: { 'created-by': 'stratus' } });
    expect(result).toEqual({ state: 'ready', details: { snapshot_id: `//compute.googleapis.com/projects/${PROJECT}/global/snapshots/api-1-before-cleanup` } });
  });

  it('names a snapshot from the client token, so a retried operation cannot make a second one', async () => {
    const sent: { body: unknown; requestId: string | null }[] = [];
    nock(COMPUTE)
      .post(`${ZONE_PATH}/disks/api-1/createSnapshot`)
      .query(true)
      .times(2)
      .reply(async (req: Request) => {
        sent.push({ body: await req.json(), requestId: new URL(req.url).searchParams.get('requestId') });
        return [200, operation('operation-createSnapshot-1', 'DONE', { zone: 'europe-west1-b' })];
      });
    const snapshot = {
      ...request('snapshot', 'disk', `//compute.googleapis.com/projects/${PROJECT}/zones/europe-west1-b/disks/api-1`),
      client_token: '0193a7c0-5555-7000-8000-000000000005',
    };

    const first = await gcpAdapter().execute(snapshot);
    const again = await gcpAdapter().execute(snapshot);

    expect(sent[0]?.body).toEqual({ name: 'api-1-stratus-0193a7c0555570008000', labels: { 'created-by': 'stratus' } });
    expect(sent[1]).toEqual(sent[0]);
    expect(again).toEqual(first);
  });

  it('waits on the region for a regional resource, and reports the errors of a failed operation', async () => {
    nock(COMPUTE)
      .delete(`/compute/v1/projects/${PROJECT}/regions/europe-west1/addresses/legacy-ingress`)
      .query(true)
      .reply(200, operation('operation-delete-1', 'RUNNING', { region: 'europe-west1' }));
    nock(COMPUTE)
      .post(`/compute/v1/projects/${PROJECT}/regions/europe-west1/operations/operation-delete-1/wait`)
      .query(true)
      .reply(
        200,
        operation('operation-delete-1', 'DONE', { region: 'europe-west1' }, {
          error: { errors: [{ code: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', message: "The address resource 'legacy-ingress' is already being used by 'us-api-lb'" }] },
          httpErrorStatusCode: 400,
        }),
      );

    const error = await gcpAdapter()
      .execute(request('delete', 'ip_address', `//compute.googleapis.com/projects/${PROJECT}/regions/europe-west1/addresses/legacy-ingress`))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CloudOperationError);
    expect((error as Error).message).toMatch(/addresses.delete \(legacy-ingress\) failed \(RESOURCE_IN_USE_BY_ANOTHER_RESOURCE: The address resource/);
  });

  it('refuses what it cannot do with CloudOperationError', async () => {
    await expect(gcpAdapter().execute(request('scale', 'bucket', '//storage.googleapis.com/stratus-demo-prod-exports', { size: 'x' }))).rejects.toThrow(
      /cannot scale a bucket/,
    );
    await expect(gcpAdapter().execute(request('stop', 'vm', 'api-1'))).rejects.toThrow(/not a Compute Engine resource name/);
  });
});
