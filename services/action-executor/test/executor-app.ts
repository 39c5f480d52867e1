/**
 * The action executor's real app on its own database clone and Redis prefix (startTestApp), with
 * helpers that link a simulated account, put some of its resources in the inventory as discovery
 * would, and apply action.requested as the consumer does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createSimAdapter, type CloudAccountRef, type DiscoveredResource } from '@stratus/cloud';
import { withTenant, type Database } from '@stratus/db';
import { buildEvent, type EventDataInput, type EventEnvelope } from '@stratus/events';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { handlers, service } from '../src/app.ts';
import type { env } from '../src/config.ts';

export type ExecutorApp = TestApp<typeof env>;

export function startExecutorApp(overrides: Record<string, string> = {}): Promise<ExecutorApp> {
  return startTestApp(service, { overrides: { CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}`, ...overrides } });
}

export interface SimAccount {
  ref: CloudAccountRef;
  /** Inventory rows by kind, as discovery stored them. */
  resources: { id: string; provider_resource_id: string; type: string; tags: Record<string, string> }[];
}

/**
 * A simulated AWS account (operations instant unless `sim` says otherwise) and the first
 * resources of its fleet in the inventory.
 */
export async function linkSimAccount(owner: Kysely<Database>, organizationId: string, sim: Record<string, unknown> = {}, count = 60): Promise<SimAccount> {
  const settings = { sim: { seed: `exec-${randomUUID()}`, resources: count, operation_latency_ms: 0, failure_rate: 0, ...sim } };
  const account = await owner
    .insertInto('cloud_accounts')
    .values({ organization_id: organizationId, name: 'Sim', provider: 'AWS', account_id: '123456789012', settings: JSON.stringify(settings) })
    .returning(['id', 'provider', 'account_id'])
    .executeTakeFirstOrThrow();
  const ref: CloudAccountRef = { ...account, settings };
  const discovered: DiscoveredResource[] = [];
  for await (const page of createSimAdapter(ref).discover()) discovered.push(...page);
  const resources = await owner
    .insertInto('resources')
    .values(
      discovered.map((resource) => ({
        organization_id: organizationId,
        cloud_account_id: account.id,
        provider: 'AWS' as const,
        provider_resource_id: resource.provider_resource_id,
        name: resource.name,
        type: resource.type,
        region: resource.region,
        zone: resource.zone,
        state: resource.state,
        tags: JSON.stringify(resource.tags),
        metadata: JSON.stringify(resource.metadata),
      })),
    )
    .returning(['id', 'provider_resource_id', 'type', 'tags'])
    .execute();
  return { ref, resources };
}

/** A running VM of the account. */
export function runningVm(account: SimAccount, owner: Kysely<Database>) {
  return owner
    .selectFrom('resources')
    .select(['id', 'provider_resource_id', 'tags', 'metadata'])
    .where('cloud_account_id', '=', account.ref.id)
    .where('type', '=', 'vm')
    .where('state', '=', 'running')
    .executeTakeFirstOrThrow();
}

export function actionRequestedEvent(organizationId: string, data: Partial<EventDataInput<'action.requested'>> & Pick<EventDataInput<'action.requested'>, 'resource_id' | 'action_type'>): EventEnvelope<'action.requested'> {
  return buildEvent('action.requested', {
    tenant: organizationId,
    data: { action_id: randomUUID(), parameters: {}, requires_approval: false, ...data },
  }).envelope;
}

/** Applies the event as the service's consumer does: its handler, in a transaction of the event's organisation. */
export function applyEvent(app: ExecutorApp, event: EventEnvelope<'action.requested'>): Promise<void> {
  return withTenant(app.deps.db, event.tenant, (trx) => handlers(app.deps.queues)['action.requested'](event, trx));
}
