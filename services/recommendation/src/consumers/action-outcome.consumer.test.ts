/**
 * The action executor's outcomes on the real PostgreSQL: a failed action fails its recommendation,
 * and when on-call engineers replay it and it succeeds, the recommendation succeeds after all (and
 * its realized savings start being measured); a repeated outcome changes nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withTenant } from '@stratus/db';
import { buildEvent } from '@stratus/events';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { handlers, service } from '../app.ts';
import type { env } from '../config.ts';
import { resource } from '../rules/test-support.ts';
import { evaluateAccount } from '../modules/recommendations/evaluation.service.ts';

let t: TestApp<typeof env>;
let vmId: string;

beforeAll(async () => {
  t = await startTestApp(service);
  const account = await t.database.owner.insertInto('cloud_accounts').values({ organization_id: t.organizationId, name: 'prod', provider: 'AWS', account_id: '123456789012' }).returning('id').executeTakeFirstOrThrow();
  const { metadata, tags, ...fields } = resource('vm', { utilization: { cpu_p95: 2, network_bytes_per_day: 100 } });
  vmId = (
    await t.database.owner
      .insertInto('resources')
      .values({ ...fields, id: undefined as never, organization_id: t.organizationId, cloud_account_id: account.id, provider_resource_id: 'i-idle', name: 'idle', tags: JSON.stringify(tags), metadata: JSON.stringify(metadata) })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await evaluateAccount(t.deps.db, t.organizationId, account.id, new Date());
});

afterAll(async () => {
  await t?.close();
});

const apply = (type: 'action.failed' | 'action.completed', data: Record<string, unknown>) =>
  withTenant(t.deps.db, t.organizationId, (trx) => handlers(t.deps.queues)[type](buildEvent(type, { tenant: t.organizationId, data: data as never }).envelope as never, trx));

it('fails the recommendation with its action, and a replay that succeeds makes it succeed, once', async () => {
  const listed = (await t.call('GET', '/v1/recommendations?recommendation_type=idle_vm')).body.items[0];
  const { action_id } = (await t.call('POST', `/v1/recommendations/${listed.id}/apply`, { body: { etag: listed.etag } })).body;
  const action = { action_id, operation_id: action_id, action_type: 'stop', resource_id: vmId };
  await apply('action.failed', { ...action, error: { message: 'RequestLimitExceeded', retryable: true } });
  expect((await t.call('GET', `/v1/recommendations/${listed.id}`)).body).toMatchObject({ status: 'failed', realized: null });

  // The replay's operation succeeded.
  for (let delivery = 0; delivery < 2; delivery++) await apply('action.completed', { ...action, result: { state: 'stopped' } });
  const detail = (await t.call('GET', `/v1/recommendations/${listed.id}`)).body;
  expect(detail).toMatchObject({ status: 'succeeded', realized: { status: 'measuring' } });
  expect(detail.history.map((entry: { change: string }) => entry.change)).toEqual(['created', 'claim', 'fail', 'succeed']);
  const rows = await t.database.owner.selectFrom('recommendation_actions').select(['action', 'status']).where('recommendation_id', '=', listed.id).execute();
  expect(rows).toEqual([{ action: 'apply', status: 'success' }]);

  // A late failure of the same action (a redelivery from before the replay) changes nothing now.
  await apply('action.failed', { ...action, error: { message: 'RequestLimitExceeded', retryable: true } });
  expect((await t.call('GET', `/v1/recommendations/${listed.id}`)).body.status).toBe('succeeded');
});
