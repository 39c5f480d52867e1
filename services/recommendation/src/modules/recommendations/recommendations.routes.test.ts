/**
 * The recommendations API on the real PostgreSQL: the list by savings with its filters and cursor,
 * one recommendation with its history, the lifecycle's transitions with etags (stale: 409), apply
 * with the action requested through the outbox, the action's outcome, the summary and the export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import { buildEvent } from '@stratus/events';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { handlers, service } from '../../app.ts';
import type { env } from '../../config.ts';
import { resource } from '../../rules/test-support.ts';
import { evaluateAccount, evaluateOrganization } from './evaluation.service.ts';

let t: TestApp<typeof env>;
let accountId: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp(service);
  const account = await t.database.owner
    .insertInto('cloud_accounts')
    .values({ organization_id: t.organizationId, name: 'prod', provider: 'AWS', account_id: '123456789012' })
    .returning('id')
    .executeTakeFirstOrThrow();
  accountId = account.id;
  const fleet = {
    // idle_vm, 140.16 USD a month at list price (high).
    'idle-vm': resource('vm', { utilization: { cpu_p95: 3, network_bytes_per_day: 1000 }, tags: { team: 'payments' } }),
    // unattached_disk, 8.00 (low).
    'loose-disk': resource('disk', { tags: { team: 'search' } }),
    // previous_generation gp2 -> gp3, 2.00 (low).
    'gp2-disk': resource('disk', { metadata: { volume_type: 'gp2', list_price_gb_month: '0.1', attached_to: 'i-1' }, tags: { team: 'payments' } }),
  };
  for (const [name, { metadata, tags, ...fields }] of Object.entries(fleet)) {
    const row = await t.database.owner
      .insertInto('resources')
      .values({ ...fields, id: undefined as never, organization_id: t.organizationId, cloud_account_id: accountId, provider_resource_id: name, name, tags: JSON.stringify(tags), metadata: JSON.stringify(metadata) })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids[name] = row.id;
  }
  await evaluateAccount(t.deps.db, t.organizationId, accountId, new Date());
});

afterAll(async () => {
  await t?.close();
});

async function byType(type: string) {
  const { body } = await t.call('GET', `/v1/recommendations?recommendation_type=${type}`);
  return body.items[0];
}

describe('GET /v1/recommendations', () => {
  it('lists by monthly savings, largest first, a page at a time', async () => {
    const first = await t.call('GET', '/v1/recommendations?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: { recommendation_type: string; estimated_savings: string }) => [item.recommendation_type, item.estimated_savings])).toEqual([
      ['idle_vm', '140.160000'],
      ['unattached_disk', '8.000000'],
    ]);
    expect(first.body.items[0]).toMatchObject({ priority: 3, priority_level: 'high', savings_basis: 'list_price', action: { type: 'stop' }, etag: '1', status: 'open', evidence: { cpu_p95: 3 } });
    const second = await t.call('GET', `/v1/recommendations?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items.map((item: { recommendation_type: string }) => item.recommendation_type)).toEqual(['previous_generation']);
    expect(second.body.next_cursor).toBeNull();
  });

  it('filters by type, priority, minimum savings, tag, account and status', async () => {
    const types = async (query: string) => (await t.call('GET', `/v1/recommendations?${query}`)).body.items.map((item: { recommendation_type: string }) => item.recommendation_type);
    expect(await types('priority=high')).toEqual(['idle_vm']);
    expect(await types('min_savings=5')).toEqual(['idle_vm', 'unattached_disk']);
    expect(await types('tag=team%3Dpayments')).toEqual(['idle_vm', 'previous_generation']);
    expect(await types(`cloud_account_id=${accountId}&status=open&provider=AWS`)).toHaveLength(3);
    expect(await types('status=dismissed')).toEqual([]);
    const idle = (await t.call('GET', '/v1/recommendations?recommendation_type=idle_vm')).body.items[0] as { resource_id: string };
    expect(await types(`resource_id=${idle.resource_id}`)).toEqual(['idle_vm']);
  });

  it('names the field of a bad filter', async () => {
    const response = await t.call('GET', '/v1/recommendations?recommendation_type=cheaper&tag=payments');
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toMatch(/recommendation_type/);
    expect(JSON.stringify(response.body)).toMatch(/key=value/);
  });
});

describe('transitions', () => {
  it('dismisses with a reason code, refuses a stale etag with 409 and the current one, and reopens', async () => {
    const disk = await byType('unattached_disk');
    const dismissed = await t.call('POST', `/v1/recommendations/${disk.id}/dismiss`, { body: { etag: disk.etag, reason_code: 'valid_business_case', note: 'restore drill on Friday' } });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ status: 'dismissed', etag: '2', state_metadata: { reason_code: 'valid_business_case', note: 'restore drill on Friday' } });

    const stale = await t.call('POST', `/v1/recommendations/${disk.id}/reopen`, { body: { etag: disk.etag } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ details: { etag: '2', status: 'dismissed' } });

    const reopened = await t.call('POST', `/v1/recommendations/${disk.id}/reopen`, { body: { etag: '2' } });
    expect(reopened.body).toMatchObject({ status: 'open', etag: '3' });
    const ignored = await t.database.owner.selectFrom('recommendation_actions').select(['action', 'status']).where('recommendation_id', '=', disk.id).execute();
    expect(ignored).toEqual([{ action: 'ignore', status: 'success' }]);

    const detail = await t.call('GET', `/v1/recommendations/${disk.id}`);
    expect(detail.body.history.map((entry: { change: string; from_status: string | null; to_status: string; etag: string }) => [entry.change, entry.from_status, entry.to_status, entry.etag])).toEqual([
      ['created', null, 'open', '1'],
      ['dismiss', 'open', 'dismissed', '2'],
      ['reopen', 'dismissed', 'open', '3'],
    ]);
  });

  it('snoozes until a future date only, and a re-evaluation keeps it snoozed', async () => {
    const gp2 = await byType('previous_generation');
    const past = await t.call('POST', `/v1/recommendations/${gp2.id}/snooze`, { body: { etag: gp2.etag, until: '2020-01-01T00:00:00Z' } });
    expect(past.status).toBe(400);
    expect(past.body.message).toMatch(/until/);
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const snoozed = await t.call('POST', `/v1/recommendations/${gp2.id}/snooze`, { body: { etag: gp2.etag, until } });
    expect(snoozed.body).toMatchObject({ status: 'snoozed', snoozed_until: until });
    expect(await evaluateAccount(t.deps.db, t.organizationId, accountId, new Date())).toMatchObject({ created: 0, updated: 0, resolved: 0 });
    expect((await byType('previous_generation')).status).toBe('snoozed');
  });

  it('applies: claims, records the action and publishes action.requested in one transaction; overrides are checked by name', async () => {
    const vm = await byType('idle_vm');
    const bad = await t.call('POST', `/v1/recommendations/${vm.id}/apply`, { body: { etag: vm.etag, parameters: { size: 'm5.large' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/parameters: .*size/);

    const applied = await t.call('POST', `/v1/recommendations/${vm.id}/apply`, { body: { etag: vm.etag } });
    expect(applied.status).toBe(202);
    expect(applied.body.recommendation).toMatchObject({ status: 'claimed', etag: '2' });
    const outbox = await t.database.owner.selectFrom('event_outbox_events').select(['producer', 'envelope']).where('type', '=', 'action.requested').execute();
    expect(outbox.map((row) => [row.producer, row.envelope.data])).toEqual([
      ['recommendation', { action_id: applied.body.action_id, action_type: 'stop', resource_id: ids['idle-vm'], parameters: {}, requested_by: t.userId, recommendation_id: vm.id, requires_approval: false }],
    ]);
    const again = await t.call('POST', `/v1/recommendations/${vm.id}/apply`, { body: { etag: '2' } });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/cannot claim a recommendation that is claimed/);

    // The executor's outcome, delivered twice.
    const completed = buildEvent('action.completed', {
      tenant: t.organizationId,
      data: { action_id: applied.body.action_id, operation_id: applied.body.action_id, action_type: 'stop', resource_id: ids['idle-vm']! },
    }).envelope;
    for (let delivery = 0; delivery < 2; delivery++) {
      await withTenant(t.deps.db, t.organizationId, (trx) => handlers(t.deps.queues)['action.completed'](completed, trx));
    }
    expect(await byType('idle_vm')).toMatchObject({ status: 'succeeded', etag: '3' });
    const action = await t.database.owner.selectFrom('recommendation_actions').select(['id', 'action', 'status']).where('recommendation_id', '=', vm.id).execute();
    expect(action).toEqual([{ id: applied.body.action_id, action: 'apply', status: 'success' }]);
  });
});

describe('summary, export and re-evaluation', () => {
  it('sums open savings per type, account and provider', async () => {
    const { body } = await t.call('GET', '/v1/recommendations/summary');
    expect(body.by_type).toEqual([{ recommendation_type: 'unattached_disk', currency: 'USD', count: 1, estimated_savings: '8.00' }]);
    expect(body.by_account).toEqual([{ cloud_account_id: accountId, currency: 'USD', count: 1, estimated_savings: '8.00' }]);
    expect(body.by_provider).toEqual([{ provider: 'AWS', currency: 'USD', count: 1, estimated_savings: '8.00' }]);
  });

  it('exports the filtered list as CSV', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/recommendations/export?min_savings=1', headers: { authorization: `Bearer ${t.token}` } });
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, ...lines] = response.body.trim().split('\n');
    expect(header).toBe('id,status,priority,recommendation_type,provider,cloud_account_id,resource_id,title,estimated_savings,currency,savings_basis,effort,restart_needed,reversible,created_at,expires_at');
    expect(lines.map((line) => line.split(',').slice(1, 4))).toEqual([
      ['succeeded', '3', 'idle_vm'],
      ['open', '1', 'unattached_disk'],
      ['snoozed', '1', 'previous_generation'],
    ]);
  });

  it('queues a re-evaluation of the organisation', async () => {
    const response = await t.call('POST', '/v1/recommendations/evaluations');
    expect(response.status).toBe(202);
    const job = await t.deps.queues.queues.recommendations.getJob(response.body.job_id);
    expect(job?.data).toEqual({ organization_id: t.organizationId, trigger: 'manual' });
  });
});

describe('after the fact', () => {
  it('evaluates an account with no resources to nothing', async () => {
    const empty = await t.database.owner
      .insertInto('cloud_accounts')
      .values({ organization_id: t.organizationId, name: 'empty', provider: 'GCP', account_id: 'empty-project' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(await evaluateAccount(t.deps.db, t.organizationId, empty.id, new Date())).toEqual({ resources: 0, created: 0, updated: 0, resolved: 0 });
  });

  it("fails a claim when the executor's action failed; the recommendation can be reopened to try again", async () => {
    const disk = await byType('unattached_disk');
    const applied = await t.call('POST', `/v1/recommendations/${disk.id}/apply`, { body: { etag: disk.etag, parameters: { snapshot_first: false } } });
    expect(applied.status).toBe(202);
    const failed = buildEvent('action.failed', {
      tenant: t.organizationId,
      data: { action_id: applied.body.action_id, operation_id: applied.body.action_id, action_type: 'delete', resource_id: ids['loose-disk']!, error: { message: 'VolumeInUse', retryable: false } },
    }).envelope;
    await withTenant(t.deps.db, t.organizationId, (trx) => handlers(t.deps.queues)['action.failed'](failed, trx));
    const now = await byType('unattached_disk');
    expect(now).toMatchObject({ status: 'failed', state_metadata: { error: { message: 'VolumeInUse' } } });
    expect((await t.call('POST', `/v1/recommendations/${disk.id}/reopen`, { body: { etag: now.etag } })).body.status).toBe('open');
  });

  it('the daily pass reopens snoozes whose date passed and expires what no evaluation confirmed', async () => {
    const gp2 = await byType('previous_generation');
    const disk = await byType('unattached_disk');
    await t.database.owner.updateTable('recommendations').set({ snoozed_until: new Date(Date.now() - 1000) }).where('id', '=', gp2.id).execute();
    await t.database.owner.updateTable('recommendations').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', disk.id).execute();
    // Nothing confirms anything meanwhile: the account is disabled, so the daily pass evaluates none of it.
    await t.database.owner.updateTable('cloud_accounts').set({ status: 'disabled' }).where('id', '=', accountId).execute();
    const counts = await evaluateOrganization(t.deps.db, t.organizationId, new Date());
    expect(counts).toMatchObject({ resources: 0, woken: 1, expired: 1 });
    expect(await byType('previous_generation')).toMatchObject({ status: 'open', state_metadata: { snoozed_until: expect.any(String) } });
    expect(await byType('unattached_disk')).toMatchObject({ status: 'expired', state_metadata: { reason: 'not_confirmed' } });
  });
});
