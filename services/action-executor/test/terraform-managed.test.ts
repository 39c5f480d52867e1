/**
 * Terraform-aware actions over a simulated fleet: ingestion's real discovery stores the fleet and
 * its terraform module stores a state of our own making (ingestion's fixture), each with its own
 * database role; the executor's policy then holds an action on a managed resource for approval
 * and names the address and the attribute to change in code.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { createLogger } from '@stratus/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimAdapter, type CloudAccountRef } from '@stratus/cloud';
import { createDb, withTenant, type Database } from '@stratus/db';
import { outboxOf } from '@stratus/events';
import { parseKeyring } from '@stratus/vault';
import { syncAccount } from '../../ingestion/src/modules/discovery/discovery.service.ts';
import { createState, uploadState } from '../../ingestion/src/modules/terraform/terraform.service.ts';
import { actionRequestedEvent, applyEvent, startExecutorApp, type ExecutorApp } from './executor-app.ts';

const FIXTURE = readFileSync(new URL('../../ingestion/test/fixtures/fleet.tfstate', import.meta.url));
/** module.compute.aws_instance.app[1] of the fixture. */
const MANAGED_VM = 'arn:aws:ec2:us-east-1:123456789012:instance/i-54861ab4749f293f6';
/** A VM of the fleet that no state manages. */
const UNMANAGED_VM = 'arn:aws:ec2:us-west-2:123456789012:instance/i-ad63702c89453bad1';

let app: ExecutorApp;
let ingestionDb: Kysely<Database>;
const resourceIds: Record<string, string> = {};

const owner = () => app.database.owner;

async function lastHistory(actionId: string) {
  return owner().selectFrom('action_history').select(['status', 'details', 'result']).where('action_id', '=', actionId).orderBy('executed_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
}

beforeAll(async () => {
  app = await startExecutorApp();
  ingestionDb = createDb({ url: app.database.url, role: 'stratus_ingestion', max: 2 });
  const settings = { sim: { seed: 'terraform', resources: 24, operation_latency_ms: 0, failure_rate: 0 } };
  const account = await owner()
    .insertInto('cloud_accounts')
    .values({ organization_id: app.organizationId, name: 'sim', provider: 'AWS', account_id: '123456789012', settings: JSON.stringify(settings) })
    .returning(['id', 'provider', 'account_id'])
    .executeTakeFirstOrThrow();
  const ref: CloudAccountRef = { ...account, settings };
  const outbox = outboxOf('ingestion');
  await syncAccount(
    { db: ingestionDb, outbox, logger: createLogger('terraform-test', 'silent', false), adapterFor: async () => createSimAdapter(ref) },
    { organization_id: app.organizationId, cloud_account_id: account.id },
  );
  const deps = { keyring: parseKeyring(`k1:${randomBytes(32).toString('base64')}`), outbox };
  await withTenant(ingestionDb, app.organizationId, async (trx) => {
    const stateId = await createState(trx, deps, app.organizationId, { name: 'fleet', cloud_account_id: account.id });
    await uploadState(trx, deps, stateId, FIXTURE);
  });
  const rows = await owner().selectFrom('resources').select(['id', 'provider_resource_id']).where('provider_resource_id', 'in', [MANAGED_VM, UNMANAGED_VM]).execute();
  for (const row of rows) resourceIds[row.provider_resource_id] = row.id;
});

afterAll(async () => {
  await ingestionDb?.destroy();
  await app?.close();
});

describe('an action on a resource a Terraform state manages', () => {
  it('asks for approval by default, and its record names the address and the attribute to change in code', async () => {
    const event = actionRequestedEvent(app.organizationId, { resource_id: resourceIds[MANAGED_VM]!, action_type: 'scale', parameters: { size: 'm5.medium' } });
    await applyEvent(app, event);
    const action = await owner().selectFrom('actions').select('status').where('id', '=', event.data.action_id).executeTakeFirstOrThrow();
    expect(action.status).toBe('awaiting_approval');
    const history = await lastHistory(event.data.action_id);
    expect(history.details).toBe('managed by Terraform at module.compute.aws_instance.app[1]: change instance_type in code too, or the next apply undoes this action');
    expect(history.result).toMatchObject({
      terraform: [{ resource_id: resourceIds[MANAGED_VM], address: 'module.compute.aws_instance.app[1]', attribute: 'instance_type' }],
    });
    expect(await owner().selectFrom('approval_requests').select('action_id').where('action_id', '=', event.data.action_id).execute()).toHaveLength(1);
  });

  it('runs at once on a resource no state manages, under the same policy', async () => {
    const event = actionRequestedEvent(app.organizationId, { resource_id: resourceIds[UNMANAGED_VM]!, action_type: 'scale', parameters: { size: 'm7g.medium' } });
    await applyEvent(app, event);
    const action = await owner().selectFrom('actions').select('status').where('id', '=', event.data.action_id).executeTakeFirstOrThrow();
    expect(action.status).toBe('queued');
  });

  it('is refused when a policy rule forbids actions on managed resources, and a dry run says so', async () => {
    const policy = await app.call('PUT', '/v1/action-policy', {
      body: { rules: [{ name: 'hands off the IaC', effect: 'forbid', when: { terraform_managed: true } }] },
    });
    expect(policy.status).toBe(200);
    const dryRun = await app.call('POST', '/v1/actions', { body: { resource_id: resourceIds[MANAGED_VM], action_type: 'tag', parameters: { tags: { owner: 'me' } }, dry_run: true } });
    expect(dryRun.body.decision).toEqual({
      outcome: 'forbid',
      reasons: ['forbidden by rule "hands off the IaC"'],
      terraform: [{ resource_id: resourceIds[MANAGED_VM], terraform_state_id: expect.any(String), address: 'module.compute.aws_instance.app[1]', attribute: 'tags' }],
    });
    const event = actionRequestedEvent(app.organizationId, { resource_id: resourceIds[MANAGED_VM]!, action_type: 'stop' });
    await applyEvent(app, event);
    expect(await lastHistory(event.data.action_id)).toMatchObject({ status: 'rejected', result: { terraform: [{ address: 'module.compute.aws_instance.app[1]', attribute: null }] } });
    // The rule holds managed resources only.
    const unmanaged = actionRequestedEvent(app.organizationId, { resource_id: resourceIds[UNMANAGED_VM]!, action_type: 'stop' });
    await applyEvent(app, unmanaged);
    expect((await lastHistory(unmanaged.data.action_id)).status).toBe('queued');
  });
});
