/**
 * `stratus recommendations` against the recommendation service's real API: the executable as an
 * operator runs it, on this file's own database.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { stratus } from '../../../packages/cli/test/run-cli.ts';
import { service } from '../src/app.ts';
import type { env } from '../src/config.ts';
import { evaluateAccount } from '../src/modules/recommendations/evaluation.service.ts';
import { resource } from '../src/rules/test-support.ts';

let t: TestApp<typeof env>;
let cli: Record<string, string>;
let diskRecommendation: string;

beforeAll(async () => {
  t = await startTestApp(service);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  cli = { STRATUS_RECOMMENDATION_URL: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`, STRATUS_TOKEN: t.token };
  const account = await t.database.owner
    .insertInto('cloud_accounts')
    .values({ organization_id: t.organizationId, name: 'prod', provider: 'AWS', account_id: '123456789012' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { metadata, tags, ...fields } = resource('disk', { tags: { team: 'search' } });
  await t.database.owner
    .insertInto('resources')
    .values({ ...fields, id: undefined as never, organization_id: t.organizationId, cloud_account_id: account.id, provider_resource_id: 'vol-1', tags: JSON.stringify(tags), metadata: JSON.stringify(metadata) })
    .execute();
  await evaluateAccount(t.deps.db, t.organizationId, account.id, new Date());
  diskRecommendation = (await t.database.owner.selectFrom('recommendations').select('id').executeTakeFirstOrThrow()).id;
});

afterAll(async () => {
  await t?.close();
});

describe('stratus recommendations', () => {
  it('lists, by savings', async () => {
    const run = await stratus(['recommendations', 'list', '--status', 'open'], cli);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^ID\s+STATUS\s+PRIORITY_LEVEL\s+RECOMMENDATION_TYPE\s+ESTIMATED_SAVINGS\s+CURRENCY\s+TITLE$/m);
    expect(run.stdout).toContain(`${diskRecommendation}  open    low             unattached_disk      8.000000           USD       Delete unattached disk web-1`.replace('web-1', 'data-1'));
  });

  it('refuses a stale etag with exit code 2 and says what to do, then dismisses with the current one', async () => {
    const stale = await stratus(['recommendations', 'dismiss', diskRecommendation, '--reason', 'low_priority', '--etag', '7'], cli);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/409 recommendation .* changed since etag 7 \(now 1\): read it again and retry/);
    const run = await stratus(['recommendations', 'dismiss', diskRecommendation, '--reason', 'low_priority', '--note', 'lab disk'], cli);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^status:\s+dismissed$/m);
    expect(run.stdout).toMatch(/^state_metadata:\s+\{"note":"lab disk","reason_code":"low_priority"\}$/m);
  });

  it('refuses an unknown reason code before calling the API', async () => {
    const run = await stratus(['recommendations', 'dismiss', diskRecommendation, '--reason', 'because'], cli);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Allowed choices are non_critical_account, temporary_account, valid_business_case");
  });

  it('exports CSV', async () => {
    const run = await stratus(['recommendations', 'export', '--type', 'unattached_disk'], cli);
    expect(run.code).toBe(0);
    const [header, line] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^id,status,priority,recommendation_type,/);
    expect(line).toMatch(new RegExp(`^${diskRecommendation},dismissed,1,unattached_disk,AWS,`));
  });
});
