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

  it('lists realized savings per account and month, as a table or JSON', async () => {
    const account = await t.database.owner.selectFrom('recommendations').select(['cloud_account_id', 'resource_id', 'organization_id']).where('id', '=', diskRecommendation).executeTakeFirstOrThrow();
    const measured = { organization_id: account.organization_id, cloud_account_id: account.cloud_account_id!, recommendation_id: diskRecommendation, currency: 'USD' };
    await t.database.owner.insertInto('realized_savings').values({ ...measured, resource_id: account.resource_id!, acted_at: new Date('2026-03-30T12:00:00Z'), status: 'measured' }).execute();
    await t.database.owner
      .insertInto('realized_savings_days')
      .values([
        { ...measured, day: '2026-03-31', cost: '0', savings: '0.26' },
        { ...measured, day: '2026-04-01', cost: '0', savings: '0.26' },
        { ...measured, day: '2026-04-02', cost: '0.01', savings: '0.25' },
      ])
      .execute();
    const run = await stratus(['recommendations', 'realized', '--from', '2026-04'], cli);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^MONTH\s+CLOUD_ACCOUNT_ID\s+REALIZED_SAVINGS\s+CURRENCY\s+RECOMMENDATIONS\s+MEASURED_DAYS$/m);
    expect(run.stdout).toMatch(new RegExp(`^2026-04\\s+${account.cloud_account_id}\\s+0\\.51\\s+USD\\s+1\\s+2$`, 'm'));
    const json = await stratus(['recommendations', 'realized', '--json'], cli);
    expect(JSON.parse(json.stdout).map((row: { month: string; realized_savings: string }) => [row.month, row.realized_savings])).toEqual([
      ['2026-03', '0.26'],
      ['2026-04', '0.51'],
    ]);
    const bad = await stratus(['recommendations', 'realized', '--to', 'April'], cli);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/to/);
  });

  it('exports CSV', async () => {
    const run = await stratus(['recommendations', 'export', '--type', 'unattached_disk'], cli);
    expect(run.code).toBe(0);
    const [header, line] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^id,status,priority,recommendation_type,/);
    expect(line).toMatch(new RegExp(`^${diskRecommendation},dismissed,1,unattached_disk,AWS,`));
  });
});
