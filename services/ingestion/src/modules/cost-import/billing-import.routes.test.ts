/**
 * A consolidated export of a billing account (four sub-accounts, AWS, Microsoft and Oracle rows)
 * imported for the organisation: each row reaches the account it names, sub-accounts nobody linked
 * become billing-only accounts or are refused, other providers are refused with a reason, and every
 * row is accounted for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '@stratus/auth';
import { consolidatedExport } from '../../../../../test/e2e/consolidated-export.ts';
import { startIngestionApp, type IngestionApp } from '../../../test/ingestion-app.ts';
import { subAccountKey } from './billing-import.service.ts';

let ingestion: IngestionApp;
let linkedId: string;
const LINKED = '123456789012';
// Inside the raw retention horizon, whatever today is.
const start = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
const { csv, rows } = consolidatedExport(start, 3, LINKED);

function upload(body: string, query = '') {
  return ingestion.call('POST', `/v1/cost-imports/file?file_name=consolidated.csv${query}`, { body, headers: { 'content-type': 'text/csv' } });
}

/** Rows per cost.ingested share, from the outbox. */
async function rowsPublished(importId: string): Promise<{ sub_account_id?: string }[]> {
  const events = await ingestion.database.owner
    .selectFrom('event_outbox_events')
    .select('envelope')
    .where('type', '=', 'cost.ingested')
    .orderBy('seq')
    .execute();
  return events
    .map((event) => event.envelope.data as { import_id: string; rows: { sub_account_id?: string }[] })
    .filter((data) => data.import_id === importId)
    .flatMap((data) => data.rows);
}

beforeAll(async () => {
  ingestion = await startIngestionApp();
  const linked = await ingestion.call('POST', '/v1/cloud-accounts', { body: { provider: 'AWS', account_id: LINKED, name: 'Production', settings: { sim: { resources: 5 } } } });
  expect(linked.status).toBe(201);
  linkedId = linked.body.id;
});

afterAll(async () => {
  await ingestion?.close();
});

describe('importing a billing account’s file for the organisation', () => {
  it('routes each row to its account, links the others as billing-only, and refuses other providers with a reason', async () => {
    const { status, body } = await upload(csv);

    expect(status).toBe(202);
    const oracle = rows.filter((row) => row.provider === 'Oracle');
    expect(body).toMatchObject({ status: 'routed', unlinked_sub_accounts: 'link', rows_total: rows.length, rows_routed: rows.length - oracle.length, rows_rejected: oracle.length });
    expect(body.errors.map((error: { line: number }) => error.line)).toEqual(oracle.map((row) => row.line));
    expect(body.errors[0].reason).toBe("ProviderName 'Oracle' is not AWS, Azure or GCP: Stratus links accounts of those three, and keeps no cost of others");
    expect(body.linked_accounts.map((account: { provider: string; account_id: string; name: string }) => [account.provider, account.account_id, account.name])).toEqual([
      ['AWS', '222233334444', 'AWS 222233334444'],
      ['AZURE', '5f1c7b9e-azure-sub', 'Microsoft 5f1c7b9e-azure-sub'],
    ]);
    // Per provider, what was kept and refused, as the file names them.
    expect(body.breakdown.by_provider.map((entry: { key: string; kept: { rows: number }; refused: { rows: number } }) => [entry.key, entry.kept.rows, entry.refused.rows])).toEqual([
      ['AWS', 18, 0],
      ['AZURE', 9, 0],
      ['Oracle', 0, 9],
    ]);

    // One import per account, holding exactly the rows of its sub-account.
    expect(body.imports).toHaveLength(3);
    const accounts = (await ingestion.call('GET', '/v1/cloud-accounts')).body.items as { id: string; account_id: string; status: string }[];
    for (const share of body.imports as { id: string; cloud_account_id: string; rows_imported: number; status: string }[]) {
      const account = accounts.find((candidate) => candidate.id === share.cloud_account_id)!;
      const expected = rows.filter((row) => row.subAccount === account.account_id);
      expect(share).toMatchObject({ status: 'applying', rows_imported: expected.length });
      const published = await rowsPublished(share.id);
      expect(published.map((row) => row.sub_account_id)).toEqual(expected.map((row) => row.subAccount));
      // The routing facts stay out of the event: its rows are of one account.
      expect(published[0]).not.toHaveProperty('provider_name');
    }
    expect(accounts.filter((account) => account.id !== linkedId).map((account) => account.status)).toEqual(['billing_only', 'billing_only']);

    const stored = await ingestion.call('GET', `/v1/billing-imports/${body.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ status: 'routed', rows_routed: 27, rows_rejected: 9, linked_accounts: body.linked_accounts });
    expect(stored.body.imports.map((share: { id: string }) => share.id).sort()).toEqual(body.imports.map((share: { id: string }) => share.id).sort());
  });

  it('imports the same file again into the same accounts, linking nothing new', async () => {
    const { status, body } = await upload(csv);
    expect(status).toBe(202);
    expect(body.linked_accounts).toEqual([]);
    expect(body.imports).toHaveLength(3);
  });

  it('leaves a billing-only account out of discovery until someone links it with credentials', async () => {
    const accounts = (await ingestion.call('GET', '/v1/cloud-accounts?status=billing_only')).body.items as { id: string; account_id: string }[];
    const aws = accounts.find((account) => account.account_id === '222233334444')!;
    const sync = await ingestion.call('POST', `/v1/cloud-accounts/${aws.id}/sync`);
    expect(sync.status).toBe(409);
    expect(sync.body.message).toContain('billing_only');
    const pull = await ingestion.call('POST', `/v1/cloud-accounts/${aws.id}/cost-imports`, { body: { start, end: new Date().toISOString().slice(0, 10) } });
    expect(pull.status).toBe(409);

    const linked = await ingestion.call('POST', '/v1/cloud-accounts', { body: { provider: 'AWS', account_id: '222233334444', name: 'Data platform' } });
    expect(linked.status).toBeLessThan(300);
    expect(linked.body).toMatchObject({ id: aws.id, status: 'connected', name: 'Data platform' });
  });

  it('refuses the rows of a sub-account nobody linked when asked to, saying how to import them', async () => {
    const file = csv.replaceAll('222233334444', '555566667777');
    const { status, body } = await upload(file, '&unlinked_sub_accounts=refuse');
    expect(status).toBe(202);
    expect(body.linked_accounts).toEqual([]);
    const refused = body.breakdown.refused.map((group: { reason: string; rows: number }) => [group.reason, group.rows]);
    expect(refused).toContainEqual([
      "SubAccountId <n> (AWS <n>) is no AWS account linked to this organisation: link it (POST /v1/cloud-accounts), or import with unlinked_sub_accounts=link to link it as a billing-only account or unlinked_sub_accounts=unassigned to keep its rows as unassigned cost",
      9,
    ]);
  });

  it('answers 422 when no row reaches an account, and 400 naming a bad setting', async () => {
    const onlyOracle = csv.split('\n').filter((line, index) => index === 0 || line.includes(',Oracle,')).join('\n');
    const { status, body } = await upload(onlyOracle);
    expect(status).toBe(422);
    expect(body).toMatchObject({ status: 'failed', rows_routed: 0, rows_rejected: 9, error: 'none of the 9 rows reaches a linked account' });
    const bad = await upload(csv, '&unlinked_sub_accounts=drop');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('querystring.unlinked_sub_accounts');
  });
});

describe('subAccountKey', () => {
  it("refuses a person restricted to their teams' accounts, even one whose role may import costs", async () => {
    const owner = ingestion.database.owner;
    const organization_id = ingestion.organizationId;
    const { id: permission_id } = await owner.selectFrom('permissions').select('id').where('name', '=', 'costs:write').executeTakeFirstOrThrow();
    await owner.insertInto('role_permissions').values({ organization_id, role: 'operator', permission_id }).onConflict((conflict) => conflict.doNothing()).execute();
    const team = await owner.insertInto('teams').values({ organization_id, name: 'production' }).returning('id').executeTakeFirstOrThrow();
    await owner.insertInto('cloud_account_teams').values({ organization_id, cloud_account_id: linkedId, team_id: team.id, access_level: 'admin' }).execute();
    const person = await owner.insertInto('users').values({ organization_id, email: 'ops@example.com', name: 'Ops', role: 'operator' }).returning('id').executeTakeFirstOrThrow();
    await owner.insertInto('user_teams').values({ organization_id, user_id: person.id, team_id: team.id, role: 'member' }).execute();
    const { token } = await createApiToken(owner, { organizationId: organization_id, userId: person.id, role: 'operator' });
    const before = await owner.selectFrom('billing_imports').select('id').execute();

    const refused = await ingestion.call('POST', '/v1/cost-imports/file', { body: csv, headers: { 'content-type': 'text/csv' }, token });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      "a billing-level import reaches every account of the organisation; people restricted to their teams' accounts import for one account (POST /v1/cloud-accounts/:id/cost-imports/file)",
    );
    expect(await owner.selectFrom('billing_imports').select('id').execute()).toEqual(before);
  });

  it('reads an Azure subscription in any case and as its resource id', () => {
    expect(subAccountKey('AZURE', '/subscriptions/5F1C7B9E-0000-0000-0000-000000000001')).toBe(subAccountKey('AZURE', '5f1c7b9e-0000-0000-0000-000000000001'));
    expect(subAccountKey('AWS', ' 123456789012 ')).toBe('AWS:123456789012');
  });
});
