import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudOperationError, type OperationRequest } from '../adapter.ts';
import { ARM, azureAdapter, grantTokens, SUBSCRIPTION } from './test-support.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => grantTokens());
afterEach(() => nock.cleanAll());

const RG = `/subscriptions/${SUBSCRIPTION}/resourcegroups/rg-web/providers/microsoft.compute`;
const VM = `${RG}/virtualmachines/web-01`;
const DISK = `${RG}/disks/web-01-data`;
const OPERATION = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Compute/locations/westeurope/operations/0d7b4f6e-8a2c-4b1d-9e3f-5a6b7c8d9e0f`;

function request(operation: OperationRequest['operation'], resource_type: OperationRequest['resource_type'], id: string, params = {}): OperationRequest {
  return { operation, resource_type, provider_resource_id: id, region: 'westeurope', params };
}

/**
 * A long-running operation as ARM runs it: accepted with an Azure-AsyncOperation URL, which is
 * polled until it succeeds. Actions (POST) also give a Location, where the SDK reads the result;
 * updates (PATCH) answer 200 with the resource, read again at its own URL once done.
 */
function asyncOperation(method: 'post' | 'patch', path: RegExp, polls: string[], accepted?: unknown) {
  const sent: unknown[] = [];
  const monitor = `${ARM}${OPERATION}?p=1&api-version=2024-11-01`;
  nock(ARM)
    .intercept(path, method.toUpperCase())
    .query(true)
    .reply(async (req: Request) => {
      const text = await req.text();
      sent.push(text ? JSON.parse(text) : undefined);
      return method === 'post'
        ? [202, '', { 'azure-asyncoperation': monitor, location: `${monitor}&monitor=true` }]
        : [200, accepted, { 'azure-asyncoperation': monitor }];
    });
  for (const status of polls) {
    nock(ARM)
      .get(OPERATION)
      .query((query) => query.monitor === undefined)
      .reply(200, { startTime: '2025-03-03T10:00:00.0000000+00:00', status, name: '0d7b4f6e-8a2c-4b1d-9e3f-5a6b7c8d9e0f' });
  }
  nock(ARM).get(OPERATION).query({ p: '1', 'api-version': '2024-11-01', monitor: 'true' }).optionally().reply(200, '');
  return sent;
}

function instanceView(powerState: string) {
  nock(ARM)
    .get(/\/virtualMachines\/web-01\/instanceView$/i)
    .query(true)
    .reply(200, {
      computerName: 'web-01',
      osName: 'ubuntu',
      statuses: [
        { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' },
        { code: `PowerState/${powerState}`, level: 'Info', displayStatus: `VM ${powerState}` },
      ],
    });
}

describe('Azure operations', () => {
  it('stops a VM by deallocating it, and reports the power state Azure then gives', async () => {
    asyncOperation('post', /\/virtualMachines\/web-01\/deallocate$/i, ['InProgress', 'Succeeded']);
    instanceView('deallocated');

    await expect(azureAdapter().execute(request('stop', 'vm', VM))).resolves.toEqual({ state: 'deallocated', details: {} });
    expect(nock.isDone()).toBe(true);
  });

  it('resizes a VM by updating hardwareProfile.vmSize', async () => {
    nock(ARM)
      .get(/\/virtualMachines\/web-01$/i)
      .query(true)
      .reply(200, {
        id: VM,
        name: 'web-01',
        location: 'westeurope',
        properties: { hardwareProfile: { vmSize: 'Standard_D4s_v5' }, provisioningState: 'Succeeded' },
      });
    const sent = asyncOperation('patch', /\/virtualMachines\/web-01$/i, ['Succeeded'], {
      id: VM,
      name: 'web-01',
      location: 'westeurope',
      properties: { hardwareProfile: { vmSize: 'Standard_D2s_v5' }, provisioningState: 'Updating' },
    });
    nock(ARM)
      .get(/\/virtualMachines\/web-01$/i)
      .query(true)
      .reply(200, { id: VM, name: 'web-01', location: 'westeurope', properties: { hardwareProfile: { vmSize: 'Standard_D2s_v5' } } });
    instanceView('running');

    const result = await azureAdapter().execute(request('scale', 'vm', VM, { size: 'Standard_D2s_v5' }));

    expect(result).toEqual({ state: 'running', details: { previous_size: 'Standard_D4s_v5', size: 'Standard_D2s_v5' } });
    expect(sent).toEqual([{ properties: { hardwareProfile: { vmSize: 'Standard_D2s_v5' } } }]);
  });

  it('snapshots a managed disk as an incremental copy next to it', async () => {
    nock(ARM)
      .get(/\/disks\/web-01-data$/i)
      .query(true)
      .reply(200, {
        id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-web/providers/Microsoft.Compute/disks/web-01-data`,
        name: 'web-01-data',
        location: 'westeurope',
        sku: { name: 'Premium_LRS' },
        properties: { diskSizeGB: 256, diskState: 'Unattached', provisioningState: 'Succeeded' },
      });
    let put: { location: string; properties: { creationData: unknown; incremental: boolean } } | undefined;
    nock(ARM)
      .put(/\/snapshots\/before-cleanup$/i)
      .query(true)
      .reply(async (req: Request) => {
        put = (await req.json()) as typeof put;
        return [
          200,
          {
            id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-web/providers/Microsoft.Compute/snapshots/before-cleanup`,
            name: 'before-cleanup',
            location: 'westeurope',
            properties: { diskSizeGB: 256, incremental: true, provisioningState: 'Succeeded' },
          },
        ];
      });

    const result = await azureAdapter().execute(request('snapshot', 'disk', DISK, { name: 'before-cleanup' }));

    expect(put).toMatchObject({
      location: 'westeurope',
      properties: {
        incremental: true,
        creationData: { createOption: 'Copy', sourceResourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-web/providers/Microsoft.Compute/disks/web-01-data` },
      },
    });
    expect(result).toEqual({ state: 'succeeded', details: { snapshot_id: `${RG}/snapshots/before-cleanup`, size_gb: 256 } });
  });

  it('merges tags at the resource scope (Tags - Update At Scope)', async () => {
    let body: unknown;
    nock(ARM)
      .patch(`${VM}/providers/Microsoft.Resources/tags/default`)
      .query({ 'api-version': '2021-04-01' })
      .reply(async (req: Request) => {
        body = await req.json();
        return [200, { id: `${VM}/providers/Microsoft.Resources/tags/default`, name: 'default', type: 'Microsoft.Resources/tags', properties: { tags: { env: 'prod', owner: 'finops' } } }];
      });

    const result = await azureAdapter().execute(request('tag', 'vm', VM, { tags: { owner: 'finops' } }));

    expect(body).toEqual({ operation: 'Merge', properties: { tags: { owner: 'finops' } } });
    expect(result).toEqual({ state: null, details: { tags: { env: 'prod', owner: 'finops' } } });
  });

  it('reports an operation still running at the timeout', async () => {
    asyncOperation('post', /\/virtualMachines\/web-01\/start$/i, Array.from({ length: 200 }, () => 'InProgress'));

    const error = await azureAdapter({}, { pollIntervalMs: 10, operationTimeoutMs: 300 })
      .execute(request('start', 'vm', VM))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CloudOperationError);
    expect((error as Error).message).toMatch(/virtualMachines.start \(web-01\) did not finish within 0.3s/);
  });

  it('refuses what it cannot do with CloudOperationError', async () => {
    await expect(azureAdapter().execute(request('scale', 'disk', DISK, { size: 'P30' }))).rejects.toThrow(/cannot scale a disk/);
    await expect(azureAdapter().execute(request('stop', 'vm', 'web-01'))).rejects.toThrow(/not an Azure resource id/);
  });
});
